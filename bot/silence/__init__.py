"""Silent and at-risk teams: what counts as activity, the advisor's alerts and follow-ups."""
