"""Slack's vocabulary, shared by every feature: Block Kit builders, modal field parsing,
`/mentor` subcommand descriptions, dates as people read them, and replies."""
