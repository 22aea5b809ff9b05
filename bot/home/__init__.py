"""The Home tab, `/mentor help`, the topic and calendar answers and the iCalendar file."""
