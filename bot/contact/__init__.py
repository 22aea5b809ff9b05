"""The Mentor/Protégé Contact Form: its modal and its parsing."""
