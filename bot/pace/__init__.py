"""People set the pace: when their message comes, when they are away, and a step's reminders
put off to the next school day or stopped as done outside Slack."""
