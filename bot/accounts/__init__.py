"""Slack accounts as Slack means them: the app's own token and install, and each person's
account (deactivated or not), with what staff are told when a team member's is deactivated."""
