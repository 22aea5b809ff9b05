"""The spring program evaluation survey."""
