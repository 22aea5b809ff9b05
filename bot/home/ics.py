"""A track's deadlines as an iCalendar file (RFC 5545), so they sit in people's own calendars.

Each deadline a team member delivers is an all-day event on its date, with a reminder the
morning before (calendar apps show it in the reader's own zone). UIDs are stable, so
importing a newer file updates the events instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.program import Deadline, Program
from bot.status.deliverables import member_deadlines
from bot.status.progress import step_name

PRODID = "-//Mentor bot//Program calendar//EN"


def track_calendar(
    program: Program, track_id: str, stamp: datetime, deadlines: Sequence[Deadline] | None = None
) -> bytes:
    """The .ics bytes for a track (every member deadline of it unless `deadlines` is given)."""
    track = program.track(track_id)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{program.name}: {track.name}")
    calendar.add("x-wr-timezone", program.timezone_name)
    for deadline in member_deadlines(program, track_id) if deadlines is None else deadlines:
        calendar.add_component(_event(program, track_id, deadline, stamp))
    return calendar.to_ical()


def _event(program: Program, track_id: str, deadline: Deadline, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{program.id}.{track_id}.{deadline.id}@mentorbot")
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.due)
    event.add("dtend", deadline.due + timedelta(days=1))
    event.add("summary", f"Due: {step_name(program, deadline)}")
    event.add("description", f"{deadline.title}\n\nType /mentor progress in Slack to see yours.")
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: the day stays free
    event.add("categories", [program.id])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Tomorrow: {step_name(program, deadline)}")
    alarm.add("trigger", timedelta(hours=-15))  # 09:00 the day before
    event.add_component(alarm)
    return event
