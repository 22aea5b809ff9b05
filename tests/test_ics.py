"""`/mentor calendar` and its .ics file: parsed back with icalendar, the events are the track's
member deadlines and meetings on their dates, with stable UIDs; a member gets the file in
their DM, and the answer names the meeting before the forms of its day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from bot.home.ics import track_calendar
from bot.status.deliverables import member_deadlines, member_meetings
from tests.renamed_program import program_id
from tests.test_experiences_domain import MENTOR, make_team
from tests.test_experiences_http import command

STAMP = datetime(2024, 9, 1, 12, tzinfo=UTC)


def events(data: bytes) -> list:
    return [c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT"]


def test_every_member_deadline_and_meeting_is_an_all_day_event(program) -> None:
    data = track_calendar(program, "year1", STAMP)
    calendar = Calendar.from_ical(data)
    assert str(calendar["x-wr-timezone"]) == "America/Chicago"
    found = events(data)
    wanted = (*member_meetings(program, "year1"), *member_deadlines(program, "year1"))
    assert len(found) == len(wanted)
    by_uid = {str(e["uid"]): e for e in found}
    contact_id = program_id(program, "year1", "contact-form")
    contact = by_uid[f"bmit-2024-25.year1.{contact_id}@mentorbot"]
    assert contact.decoded("dtstart") == date(2024, 9, 25)
    assert contact.decoded("dtend") == date(2024, 9, 26)
    assert str(contact["summary"]) == "Due: Mentor/Protégé Contact Form"
    [alarm] = [c for c in contact.subcomponents if c.name == "VALARM"]
    assert alarm.decoded("trigger") == timedelta(hours=-15)
    log_id = program_id(program, "year1", "communication-log-2024-10")
    log = by_uid[f"bmit-2024-25.year1.{log_id}@mentorbot"]
    assert log.decoded("dtstart") == date(2024, 10, 18)


def test_each_years_meeting_is_an_event_at_its_place(program) -> None:
    for track, day, summary, place in (
        ("year1", date(2024, 9, 25), "Mentor & Protégé Initial Meeting", "Jefferson City, MO"),
        ("year2", date(2024, 10, 1), "Mentor & Protégé Meeting", None),
    ):
        by_uid = {str(e["uid"]): e for e in events(track_calendar(program, track, STAMP))}
        meeting_id = program_id(program, track, "initial-meeting")
        meeting = by_uid[f"bmit-2024-25.{track}.{meeting_id}@mentorbot"]
        assert meeting.decoded("dtstart") == day
        assert meeting.decoded("dtend") == day + timedelta(days=1)
        assert str(meeting["summary"]) == summary
        assert str(meeting["transp"]) == "OPAQUE"  # a meeting takes the day
        description = str(meeting["description"])
        assert "four forms there together: Mentor/Protégé Contact Form" in description
        assert "Individual Mentoring Plan" in description
        if place:
            assert str(meeting["location"]) == place and "In person." in description
        else:
            assert "location" not in meeting


def test_uids_are_stable_and_tracks_differ(program) -> None:
    one = {str(e["uid"]) for e in events(track_calendar(program, "year1", STAMP))}
    again = {str(e["uid"]) for e in events(track_calendar(program, "year1", STAMP + timedelta(1)))}
    two = {str(e["uid"]) for e in events(track_calendar(program, "year2", STAMP))}
    assert one == again and one != two


def test_a_member_gets_their_tracks_file_in_the_dm(app_server, standin, program) -> None:
    base, services = app_server
    fake, _ = standin
    object.__setattr__(services, "clock", lambda: STAMP)
    make_team(services.sessions, program, track="year2")
    status, answer = command(base, MENTOR, "calendar")
    assert status == 200 and "Year Two" in answer["text"]
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "calendar file (.ics)" in shown
    # Year two's meeting, before the forms of its day.
    meeting = shown.index("*Tue, Oct 1*: 🤝 Mentor & Protégé Meeting (mentor and protégé)")
    assert meeting < shown.index("*Tue, Oct 1*: Mentor/Protégé Contact Form")
    [done] = fake.wait_for("files.completeUploadExternal", 1, timeout=10)
    [opened] = fake.calls_to("conversations.open")
    assert opened.params["users"] == MENTOR
    assert done.params["channel_id"] == MENTOR  # the stand-in names a DM by the user id
    [(name, data)] = [(f["title"], fake.uploads[f["id"]]) for f in json.loads(done.params["files"])]
    assert name == f"{program.name}, 2024-25: Year Two deadlines"
    assert {str(e["uid"]).split(".")[1] for e in events(data)} == {"year2"}


def test_someone_without_a_team_gets_the_dates_but_no_file(app_server, standin) -> None:
    base, services = app_server
    object.__setattr__(services, "clock", lambda: STAMP)
    fake, _ = standin
    _, answer = command(base, "U0SOMEONE", "calendar year1")
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "Year One" in answer["text"] and ".ics" not in shown
    meeting = "*Wed, Sep 25*: 🤝 Mentor & Protégé Initial Meeting, Jefferson City, MO, in person"
    assert shown.index(meeting) < shown.index("*Wed, Sep 25*: Mentor/Protégé Contact Form")
    assert fake.wait_for("files.completeUploadExternal", 1, timeout=0.5) == []


def test_the_calendar_lists_the_teams_dates_not_the_advisors_own_steps(app_server, program) -> None:
    # Early August, when the advisor's monthly contact and introduction are the next dates.
    base, services = app_server
    object.__setattr__(services, "clock", lambda: datetime(2024, 8, 1, 12, tzinfo=UTC))
    advisor_steps = [d for d in program.deadlines("year1") if d.role == "advisor"]
    assert advisor_steps and min(d.due for d in advisor_steps) < date(2024, 9, 25)
    _, answer = command(base, "U0SOMEONE", "calendar year1")
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "(content advisor)" not in shown and "(advisor)" not in shown
    assert "*Wed, Sep 25*: 🤝 Mentor & Protégé Initial Meeting" in shown
