"""Structured experiences: submission, the Mentor Comment Form and the protégé's review."""
