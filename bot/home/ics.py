"""A track's deadlines and meetings as an iCalendar file (RFC 5545), so they sit in people's
own calendars.

Each deadline a team member delivers is an all-day event on its date, and so is each meeting
(with its place as the LOCATION), each with a reminder the morning before (calendar apps show
it in the reader's own zone). UIDs are stable, so importing a newer file updates the events
instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.program import Deadline, Program
from bot.status.deliverables import forms_at, is_meeting, member_deadlines, member_meetings
from bot.status.progress import forms_count, meeting_name, meeting_text, step_name

PRODID = "-//Mentor bot//Program calendar//EN"
SEE_YOURS = "Type /mentor progress in Slack to see yours."


def track_calendar(
    program: Program, track_id: str, stamp: datetime, deadlines: Sequence[Deadline] | None = None
) -> bytes:
    """The .ics bytes for a track (its meetings and every member deadline of it unless
    `deadlines` is given)."""
    track = program.track(track_id)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{program.name}: {track.name}")
    calendar.add("x-wr-timezone", program.timezone_name)
    if deadlines is None:
        deadlines = (*member_meetings(program, track_id), *member_deadlines(program, track_id))
    for deadline in deadlines:
        if is_meeting(deadline):
            calendar.add_component(_meeting(program, track_id, deadline, stamp))
        else:
            calendar.add_component(_event(program, track_id, deadline, stamp))
    return calendar.to_ical()


def _event(program: Program, track_id: str, deadline: Deadline, stamp: datetime) -> Event:
    name = step_name(program, deadline)
    event = _day(program, track_id, deadline, stamp, f"Tomorrow: {name}")
    event.add("summary", f"Due: {name}")
    event.add("description", f"{name}\n\n{SEE_YOURS}")
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: the day stays free
    return event


def _meeting(program: Program, track_id: str, meeting: Deadline, stamp: datetime) -> Event:
    event = _day(program, track_id, meeting, stamp, f"Tomorrow: {meeting_text(meeting)}")
    event.add("summary", meeting_name(meeting))
    if meeting.step.place:
        event.add("location", meeting.step.place)
    about = [meeting.title]
    if meeting.step.in_person is not None:
        about.append("In person." if meeting.step.in_person else "Online.")
    forms = [step_name(program, d) for d in forms_at(program, meeting)]
    if forms:
        about.append(f"You complete {forms_count(len(forms))} there together: {', '.join(forms)}.")
    event.add("description", "\n\n".join([*about, SEE_YOURS]))
    event.add("transp", "OPAQUE")  # a meeting takes the day
    return event


def _day(
    program: Program, track_id: str, deadline: Deadline, stamp: datetime, reminder: str
) -> Event:
    """An all-day event on the deadline's date, with its reminder the morning before."""
    event = Event()
    event.add("uid", f"{program.id}.{track_id}.{deadline.id}@mentorbot")
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.due)
    event.add("dtend", deadline.due + timedelta(days=1))
    event.add("categories", [program.id])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", reminder)
    alarm.add("trigger", timedelta(hours=-15))  # 09:00 the day before
    event.add_component(alarm)
    return event
