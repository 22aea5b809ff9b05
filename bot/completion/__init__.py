"""Completion summaries: each completer's own record of the steps they did, and when."""
