"""Communication Logs: filing, editing, co-signing and quick check-ins; their modals, DMs
and lists; and the demo's log scenes."""
