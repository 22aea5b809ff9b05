"""The content advisor's digest: one morning message about their teams, and its buttons."""
