"""Pure view builders: data in, Slack message text and Block Kit out. No database, no I/O."""
