"""Demo events: Communication Logs filed, co-signed, disputed, edited and missed.

- Dana Whitfield logs every month with Luis Ortega, who confirms each entry.
- Sam Patel taps "We talked" in September; Ruth Adler gets the 3-day reminder and logs the
  same day, so the on-the-day reminder never goes out. In October Sam says something isn't
  right (it was a video call), Ruth edits the entry, and Sam confirms the new version.
- Omar Haddad and Jen Brooks (year two, from Oct 1) talk but file no October log: Omar gets
  both reminders, Grace Kim the overdue notice, then Omar logs late. November's log is late
  too (Grace hears on Nov 18; Omar files it on Nov 26); in December Jen files the entry
  herself and Omar confirms it.
- Dana's second team, with Avery Cole (from Nov 4), misses January while the bot is down: the
  reminders lose their moment, Grace still hears. After Avery's Slack account is deactivated,
  Dana keeps logging; the co-sign DMs are held, not sent (Slack would take a DM to a
  deactivated account, unread), and the entries are kept, unconfirmed.

Events call the same domain functions as the listeners and send the same DMs through the
demo's recording client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.accounts import direct
from bot.demo.world import DemoEvent, DemoWorld, present
from bot.logs import rules as logs
from bot.logs import views
from bot.logs.form import LogInput
from bot.program import Program
from storage.db import transaction
from storage.logs import LogMode

LUIS = "Dana Whitfield/Luis Ortega"
SAM = "Ruth Adler/Sam Patel"
JEN = "Omar Haddad/Jen Brooks"
AVERY = "Dana Whitfield/Avery Cole"

# What a month's conversation was about: (what help is needed, information and ideas).
TALKS: dict[str, tuple[str, str]] = {
    "2024-09": (
        "Late work policy for the keyboarding lab.",
        "Shared my classroom procedures and lab sign-out sheet; agreed on a late-work policy.",
    ),
    "2024-10": (
        "Registering members before the FBLA deadline.",
        "Walked through the FBLA site, registering members and a first program of work.",
    ),
    "2024-11": (
        "A unit on spreadsheets that keeps students engaged.",
        "Swapped two lessons that went well; sent the name of a teacher who teaches Excel.",
    ),
    "2024-12": (
        "Which events suit first-year members.",
        "Event types and how to fold event prep into coursework.",
    ),
    "2025-01": (
        "Saying no to another committee.",
        "How each of us meets deadlines; when to decline building requests.",
    ),
    "2025-02": (
        "A difficult parent conference next week.",
        "Role-played the conference; talked about promoting the program at open house.",
    ),
    "2025-03": (
        "Keeping members engaged after State.",
        "Motivation after spring break; preparing two students for Nationals.",
    ),
    "2025-04": (
        "Funding for the summer conference.",
        "MoACTE registration and funding; closing out the lab for the year.",
    ),
}


_KINDS = {
    LogMode.EMAIL: "an e-mail exchange",
    LogMode.PHONE: "a phone call",
    LogMode.TEXT: "a text conversation",
    LogMode.VIDEO: "a video call",
    LogMode.IN_PERSON: "a meeting in person",
}


@dataclass(frozen=True)
class _Talk:
    team: str
    author: str  # display name
    day: date  # the conversation
    mode: LogMode
    minutes: int
    filed: datetime  # local
    confirmed: datetime | None  # local; None: never confirmed


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _routine(program: Program) -> list[_Talk]:
    """The ordinary months: filed after school, confirmed the next morning."""
    talks = []
    plan = (
        (LUIS, "Dana Whitfield", "Luis Ortega", [9, 10, 11, 12, 1, 2, 3, 4], LogMode.PHONE),
        (SAM, "Ruth Adler", "Sam Patel", [11, 12, 1, 2, 3, 4], LogMode.VIDEO),
        (JEN, "Omar Haddad", "Jen Brooks", [1, 2, 3, 4], LogMode.PHONE),
        (AVERY, "Dana Whitfield", "Avery Cole", [11, 12], LogMode.PHONE),
    )
    for team, author, _other, months, mode in plan:
        for month in months:
            year = 2024 if month >= 9 else 2025
            due = _due(program, f"{year:04d}-{month:02d}")
            # Ten days before the due date: a Tuesday, well before the 3-day reminder.
            # January's talk happens over the break, before the demo's January outage.
            day = date(2025, 1, 2) if month == 1 else date.fromordinal(due.toordinal() - 10)
            filed = _at(day, 16, 30 if team == LUIS else 45)
            confirmed = _at(date.fromordinal(day.toordinal() + 1), 7, 50)
            talks.append(_Talk(team, author, day, mode, 30, filed, confirmed))
    # After Feb 1 Avery's Slack account is gone: the entries stay unconfirmed.
    for month in (2, 3, 4):
        day = date.fromordinal(_due(program, f"2025-{month:02d}").toordinal() - 10)
        talks.append(_Talk(AVERY, "Dana Whitfield", day, LogMode.PHONE, 20, _at(day, 17), None))
    return talks


def events(world: DemoWorld) -> list[DemoEvent]:
    filed: dict[str, int] = {}  # a story's label -> the entry id, once filed
    found = []
    for talk in _routine(world.program):
        label = f"{talk.team}:{talk.day}"
        found.append(_file_event(world, talk, label, filed))
        if talk.confirmed is not None:
            found.append(_confirm_event(world, talk, label, filed))
    found += _stories(world, filed)
    return found


def _stories(world: DemoWorld, filed: dict[str, int]) -> list[DemoEvent]:
    sam_sep = _Talk(SAM, "Ruth Adler", date(2024, 9, 16), LogMode.PHONE, 30,
                    _at(date(2024, 9, 17), 15), _at(date(2024, 9, 18), 8))  # fmt: skip
    sam_oct = _Talk(SAM, "Ruth Adler", date(2024, 10, 8), LogMode.PHONE, 30,
                    _at(date(2024, 10, 8), 16), _at(date(2024, 10, 11), 8))  # fmt: skip
    jen_oct = _Talk(JEN, "Omar Haddad", date(2024, 10, 15), LogMode.TEXT, 15,
                    _at(date(2024, 10, 22), 16), _at(date(2024, 10, 23), 8))  # fmt: skip
    jen_nov = _Talk(JEN, "Omar Haddad", date(2024, 11, 26), LogMode.PHONE, 20,
                    _at(date(2024, 11, 26), 16), _at(date(2024, 11, 27), 8))  # fmt: skip
    jen_dec = _Talk(JEN, "Jen Brooks", date(2024, 12, 10), LogMode.PHONE, 35,
                    _at(date(2024, 12, 12), 16), _at(date(2024, 12, 13), 8))  # fmt: skip
    avery_jan = _Talk(AVERY, "Dana Whitfield", date(2025, 1, 21), LogMode.PHONE, 30,
                      _at(date(2025, 1, 22), 16), _at(date(2025, 1, 23), 8))  # fmt: skip
    stories = []
    for talk in (sam_sep, jen_oct, jen_nov, jen_dec, avery_jan):
        label = f"{talk.team}:{talk.day}"
        stories += [
            _file_event(world, talk, label, filed),
            _confirm_event(world, talk, label, filed),
        ]
    stories.append(_check_in_event(world, SAM, "Sam Patel", date(2024, 9, 9), LogMode.TEXT))
    label = f"{SAM}:{sam_oct.day}"
    fixed = LogInput(
        sam_oct.day,
        LogMode.VIDEO,
        "2024-10",
        TALKS["2024-10"][0],
        "Video call: fundraising ideas and permission slips for the leadership conference.",
        45,
    )
    stories += [
        _file_event(world, sam_oct, label, filed),
        _dispute_event(
            world,
            _at(date(2024, 10, 9), 8),
            SAM,
            "Sam Patel",
            label,
            filed,
            "It was a video call, and we spent most of it on fundraising and permission slips.",
        ),
        _edit_event(world, _at(date(2024, 10, 10), 16), SAM, "Ruth Adler", label, filed, fixed),
        _confirm_event(world, sam_oct, label, filed),
    ]
    return stories


# --- the events --------------------------------------------------------------------------------


def _event(world: DemoWorld, at: datetime, describe: str, run: Callable) -> DemoEvent:
    return DemoEvent(at.replace(tzinfo=world.program.tz), describe, run)


def _topics(world: DemoWorld) -> dict[str, str]:
    return {t.month_id: views.topic_label(t) for t in world.program.topics}


def _dm(world: DemoWorld, user_id: str, text: str, blocks: list, now: datetime) -> None:
    # As in the listener: held for a deactivated account; the entry is kept whatever
    # Slack answers.
    direct.send(world.factory, world.client, user_id, (text, blocks), now)


def _other(team: str, author: str) -> str:
    mentor, protege = team.split("/")
    return protege if author == mentor else mentor


def _file_event(world: DemoWorld, talk: _Talk, label: str, filed: dict[str, int]) -> DemoEvent:
    month = logs.month_of(talk.day)
    help_needed, ideas = TALKS[month]
    data = LogInput(talk.day, talk.mode, month, help_needed, ideas, talk.minutes)
    other = _other(talk.team, talk.author)
    mode = _KINDS[talk.mode]
    late = " (late)" if talk.filed.date() > _due(world.program, month) else ""
    describe = (
        f"{talk.author} logs {mode} with {other} on {talk.day:%a %b %d}{late}; "
        f"{other} is asked to confirm"
    )
    if talk.team == AVERY and talk.confirmed is None:
        describe += " (Avery's account is deactivated: the DM is held; the entry is kept)"

    def run(world: DemoWorld) -> None:
        now = talk.filed.replace(tzinfo=world.program.tz).astimezone(UTC)
        with transaction(world.factory) as session:
            team = world.team(session, talk.team)
            author = world.ids[talk.author]
            entry, _ = logs.file_log(
                session, world.program, team, author, data, now, talk.filed.date()
            )
            filed[label] = entry.id
            text, blocks = views.cosign_message(logs.shown_log(entry), _topics(world))
            recipient = logs.partner(team, author).slack_id
        _dm(world, recipient, text, blocks, now)

    return _event(world, talk.filed, describe, run)


def _confirm_event(world: DemoWorld, talk: _Talk, label: str, filed: dict[str, int]) -> DemoEvent:
    confirmed = present(talk.confirmed, "a confirmation time")
    other = _other(talk.team, talk.author)

    def run(world: DemoWorld) -> None:
        now = confirmed.replace(tzinfo=world.program.tz).astimezone(UTC)
        with transaction(world.factory) as session:
            team = world.team(session, talk.team)
            entry = logs.entry_of_team(session, team, filed[label])
            logs.confirm_log(session, team, entry, world.ids[other], entry.version, now)

    describe = f"{other} confirms {talk.author}'s log of {talk.day:%a %b %d}"
    return _event(world, confirmed, describe, run)


def _check_in_event(world: DemoWorld, team: str, who: str, day: date, mode: LogMode) -> DemoEvent:
    at = _at(day, 17)

    def run(world: DemoWorld) -> None:
        now = at.replace(tzinfo=world.program.tz).astimezone(UTC)
        with transaction(world.factory) as session:
            logs.record_check_in(session, world.team(session, team), world.ids[who], day, mode, now)

    describe = f'{who} taps "We talked" ({views.MODE_NAMES[mode].lower()}, {day:%a %b %d})'
    return _event(world, at, describe, run)


def _dispute_event(
    world: DemoWorld,
    at: datetime,
    team_name: str,
    who: str,
    label: str,
    filed: dict[str, int],
    comment: str,
) -> DemoEvent:
    def run(world: DemoWorld) -> None:
        now = at.replace(tzinfo=world.program.tz).astimezone(UTC)
        with transaction(world.factory) as session:
            team = world.team(session, team_name)
            entry = logs.entry_of_team(session, team, filed[label])
            logs.dispute_log(session, team, entry, world.ids[who], entry.version, comment, now)
            text, blocks = views.disputed_message(logs.shown_log(entry), _topics(world))
            author = entry.author
        _dm(world, author, text, blocks, now)

    describe = f"{who} says something's not right: “{comment}”"
    return _event(world, at, describe, run)


def _edit_event(
    world: DemoWorld,
    at: datetime,
    team_name: str,
    who: str,
    label: str,
    filed: dict[str, int],
    data: LogInput,
) -> DemoEvent:
    def run(world: DemoWorld) -> None:
        now = at.replace(tzinfo=world.program.tz).astimezone(UTC)
        with transaction(world.factory) as session:
            team = world.team(session, team_name)
            entry = logs.entry_of_team(session, team, filed[label])
            changed = logs.edit_log(
                session, world.program, team, entry, world.ids[who], data, now, at.date(),
                expected_version=entry.version,
            )  # fmt: skip
            names = [logs.FIELDS[name] for name in changed]
            text, blocks = views.cosign_message(logs.shown_log(entry), _topics(world), names)
            recipient = logs.partner(team, world.ids[who]).slack_id
        _dm(world, recipient, text, blocks, now)

    describe = f"{who} edits the entry (mode, ideas, minutes); the earlier version is kept"
    return _event(world, at, describe, run)


def _due(program: Program, month: str) -> date:
    """The month's Communication Log due date, from the program's rule."""
    for due in program.log_due_dates():
        if logs.month_of(due) == month:
            return due
    return program.end
