"""The Visit Report, the PD Verification Forms and year two's Assessment Activity."""
