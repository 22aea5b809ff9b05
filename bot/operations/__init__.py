"""What operators see: the tick's heartbeat and health, the ledger's unsent notices."""
