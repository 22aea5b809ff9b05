"""Where the program stands: each deliverable of a team, standings, `/mentor status`,
overdue and completers, the program report export and semester progress notes."""
