"""Demo events: the structured experiences, Visit Reports and PD Verification Forms of the year.

Luis Ortega (with Dana Whitfield) walks through all of year one on time: four experiences,
each with its Mentor Comment Form and his agreement (on the first, he asks to discuss it
and Dana revises the form), the Visit Report in November and both PD forms.
Sam Patel (with Ruth Adler) falls behind on Experience 2: the reminder on its date, the
content advisor's notice the next school day, then the late submission, after which Ruth
keeps the calendar's two days for her Mentor Comment Form and they catch up.
Jen Brooks (year two, with Omar Haddad) submits the Assessment Activity and adds an extra
experience so the year's experiences cover all six focus areas.

The events call the domain functions the Slack listeners call, and send the DMs those
listeners send through the demo's recording client.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import partial

from bot.accounts import direct
from bot.demo.world import DemoEvent, DemoWorld, present
from bot.experiences import rules as experiences
from bot.experiences import views as exp_views
from bot.experiences.rules import CommentEntry, ExperienceEntry
from bot.program import StepKind
from bot.reports import rules as reports
from bot.reports import views as report_views
from bot.slack.text import typed
from storage.db import transaction
from storage.models import Team

LUIS = "Dana Whitfield/Luis Ortega"
SAM = "Ruth Adler/Sam Patel"
JEN = "Omar Haddad/Jen Brooks"
DRIVE = "https://drive.example.org/mentoring/"

# (team, experience, submitted, commented, agreed, selection when the plan has no slot)
ON_TIME = (
    (LUIS, 1, (10, 17, 16), (10, 22, 10), None, None),  # discussed first: see _luis_discussion
    (LUIS, 2, (11, 26, 10), (12, 3, 10), (12, 4, 15), None),
    (LUIS, 3, (1, 30, 16), (2, 4, 10), (2, 6, 15), None),
    (LUIS, 4, (2, 24, 16), (2, 27, 10), (2, 28, 15), None),
    (SAM, 1, (10, 18, 12), (10, 22, 15), (10, 24, 12), None),
    (SAM, 2, (12, 10, 14), (12, 12, 13), (12, 13, 12), None),  # late: the story is in EVENTS
    (SAM, 3, (1, 31, 12), (2, 4, 15), (2, 6, 12), None),
    (SAM, 4, (2, 28, 12), (3, 4, 15), (3, 6, 12), None),
    (JEN, 1, (10, 21, 15), (10, 23, 10), (10, 25, 9), None),
    (JEN, 3, (11, 12, 15), (11, 14, 10), (11, 15, 9), None),
    (JEN, 5, (11, 18, 15), (11, 20, 10), (11, 22, 9), 6),  # the extra one
    (JEN, 2, (11, 25, 15), (11, 26, 10), (12, 2, 14), None),
)


def events(world: DemoWorld) -> list[DemoEvent]:
    found: list[DemoEvent] = []
    for team, number, sent, commented, agreed, selection in ON_TIME:
        found += _experience(world, team, number, sent, commented, agreed, selection)
    found += _luis_discussion(world)
    found += _visits(world)
    found += _pd_forms(world)
    found.append(
        _event(
            _at(world, 10, 23, 16),
            "Jen Brooks submits the year-two Assessment Activity",
            lambda w: _assessment(w, JEN, _at(w, 10, 23, 16)),
        )
    )
    return found


# --- the story lines -----------------------------------------------------------------------


def _experience(
    world: DemoWorld,
    key: str,
    number: int,
    sent: tuple[int, int, int],
    commented: tuple[int, int, int],
    agreed: tuple[int, int, int] | None,
    selection: int | None,
) -> list[DemoEvent]:
    mentor, protege = key.split("/")
    at_sent, at_commented = _at(world, *sent), _at(world, *commented)
    late = " (late)" if (key, number) == (SAM, 2) else ""
    extra = " (an extra one)" if selection else ""
    found = [
        _event(
            at_sent,
            f"{protege} submits Experience {number}{extra}{late}",
            lambda w: _submit(w, key, number, selection, at_sent),
        ),
        _event(
            at_commented,
            f"{mentor} files the Mentor Comment Form for Experience {number}",
            lambda w: _comment(w, key, number, "Thorough and practical.", at_commented),
        ),
    ]
    if agreed is not None:
        at_agreed = _at(world, *agreed)
        found.append(
            _event(
                at_agreed,
                f"{protege} agrees to it: Experience {number} is signed by both",
                lambda w: _agree(w, key, number, at_agreed),
            )
        )
    return found


def _luis_discussion(world: DemoWorld) -> list[DemoEvent]:
    asked, revised, agreed = _at(world, 10, 23, 15), _at(world, 10, 24, 9), _at(world, 10, 24, 16)
    note = "Could we go over the assessment part before I sign?"
    return [
        _event(
            asked,
            f"Luis Ortega asks to discuss the comments: “{note}”",
            lambda w: _discuss(w, LUIS, 1, note, asked),
        ),
        _event(
            revised,
            "Dana Whitfield sends the revised Mentor Comment Form after their call",
            lambda w: _comment(w, LUIS, 1, "Thorough; the rubric is now practical.", revised),
        ),
        _event(
            agreed,
            "Luis Ortega agrees: Experience 1 is signed by both",
            lambda w: _agree(w, LUIS, 1, agreed),
        ),
    ]


def _visits(world: DemoWorld) -> list[DemoEvent]:
    found = []
    for key, visited, filed, confirmed in (
        (LUIS, date(2024, 11, 18), (11, 19, 15), (11, 20, 8)),
        (SAM, date(2024, 11, 21), (11, 22, 11), (11, 25, 9)),
        (JEN, date(2024, 11, 14), (11, 15, 10), (11, 18, 9)),
    ):
        mentor, protege = key.split("/")
        at_filed, at_confirmed = _at(world, *filed), _at(world, *confirmed)
        found += [
            _event(
                at_filed,
                f"{mentor} files the Mentor/Protégé Visit Report of {visited:%b %-d}",
                partial(_visit, key=key, visited=visited, at=at_filed),
            ),
            _event(
                at_confirmed,
                f"{protege} confirms the Visit Report: signed by both",
                partial(_confirm_visit, key=key, at=at_confirmed),
            ),
        ]
    return found


def _pd_forms(world: DemoWorld) -> list[DemoEvent]:
    found = []
    for key, number, attended, where, filed, signed in (
        (LUIS, 1, date(2025, 1, 10), "MBEA winter workshop, Columbia", (1, 21, 16), (1, 23, 10)),
        (LUIS, 2, date(2025, 2, 20), "DECA district conference", (2, 24, 16), (2, 26, 10)),
        (SAM, 1, date(2025, 1, 24), "FBLA adviser training, Springfield", (1, 28, 12), (1, 30, 15)),
        (SAM, 2, date(2025, 2, 21), "MoACTE regional meeting", (2, 25, 12), (2, 27, 15)),
    ):
        mentor, protege = key.split("/")
        at_filed, at_signed = _at(world, *filed), _at(world, *signed)
        found += [
            _event(
                at_filed,
                f"{protege} files PD Verification Form #{number} ({where})",
                partial(_pd, key=key, number=number, attended=attended, where=where, at=at_filed),
            ),
            _event(
                at_signed,
                f"{mentor} adds comments and signs PD Verification Form #{number}",
                partial(_sign_pd, key=key, number=number, at=at_signed),
            ),
        ]
    return found


# --- what each event does ------------------------------------------------------------------


def _submit(world: DemoWorld, key: str, number: int, selection: int | None, at: datetime) -> None:
    entry = ExperienceEntry(
        selection=selection or 1,
        other_description=None,
        focus_areas=(),
        link=f"{DRIVE}{key.split('/')[1].split()[0].lower()}-experience-{number}",
        summary=f"Experience {number}: what I did, and what I would like your comments on.",
    )
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, key)
        experiences.submit(session, world.program, team, number, entry, team.protege.slack_id, at)
        state = experiences.state_of(session, world.program, team, number)
        text, blocks = exp_views.submitted_message(
            world.program, state, team.id, team.protege.slack_id, today, False
        )
        mentor = team.mentor.slack_id
        step = _about(world, team, number, experiences.COMMENT)
    direct.send(world.factory, world.client, mentor, (text, blocks), at, step)


def _comment(world: DemoWorld, key: str, number: int, comments: str, at: datetime) -> None:
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, key)
        state = experiences.state_of(session, world.program, team, number)
        record = present(state.record, "the experience")
        entry = CommentEntry(
            today,
            team.area,
            experiences.describe(world.program, record.selection, record.other_description),
            comments,
        )
        experiences.file_comment(
            session,
            team,
            number,
            present(state.submission, "the submission").id,
            entry,
            team.mentor.slack_id,
            at,
        )
        state = experiences.state_of(session, world.program, team, number)
        text, blocks = exp_views.review_message(
            world.program, state, team.id, team.mentor.slack_id, today
        )
        protege = team.protege.slack_id
        step = _about(world, team, number, experiences.FILE)
    direct.send(world.factory, world.client, protege, (text, blocks), at, step)


def _discuss(world: DemoWorld, key: str, number: int, note: str, at: datetime) -> None:
    with transaction(world.factory) as session:
        team = world.team(session, key)
        comment = present(
            experiences.state_of(session, world.program, team, number).comment, "the comment"
        )
        experiences.ask_to_discuss(
            session, team, number, comment.id, note, team.protege.slack_id, at
        )
        text, blocks = exp_views.discuss_message(
            team.id, number, team.protege.slack_id, typed(note)
        )
        mentor = team.mentor.slack_id
        step = _about(world, team, number, experiences.COMMENT)
    direct.send(world.factory, world.client, mentor, (text, blocks), at, step)


def _agree(world: DemoWorld, key: str, number: int, at: datetime) -> None:
    with transaction(world.factory) as session:
        team = world.team(session, key)
        comment = present(
            experiences.state_of(session, world.program, team, number).comment, "the comment"
        )
        experiences.agree(session, team, number, comment.id, team.protege.slack_id, at)
        mentor, protege = team.mentor.slack_id, team.protege.slack_id
        step = _about(world, team, number, experiences.COMMENT)
    when = f"{at.astimezone(world.program.tz):%a, %b %-d}"
    text, blocks = exp_views.agreed_message(number, protege, mentor, when)
    direct.tell(world.factory, world.client, mentor, (text, blocks), at, step)


def _visit(world: DemoWorld, key: str, visited: date, at: datetime) -> None:
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, key)
        entry = reports.VisitEntry(
            team.area,
            visited,
            "The protégé's school",
            "Lab set-up, the CTSO calendar, grading load",
            "A bell-ringer routine; station rotation for the lab",
        )
        report = reports.file_visit_report(session, team, None, entry, team.mentor.slack_id, at)
        text, blocks = report_views.visit_review_message(
            world.program,
            reports.shown_visit(report),
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            today,
        )
        protege = team.protege.slack_id
        step = _about(world, team, None, None, reports.VISIT_REPORT)
    direct.send(world.factory, world.client, protege, (text, blocks), at, step)


def _confirm_visit(world: DemoWorld, key: str, at: datetime) -> None:
    with transaction(world.factory) as session:
        team = world.team(session, key)
        report = present(reports.open_visit_report(session, team), "the Visit Report")
        reports.confirm_visit_report(session, team, report.id, team.protege.slack_id, at)
        mentor, protege = team.mentor.slack_id, team.protege.slack_id
        step = _about(world, team, None, None, reports.VISIT_REPORT)
    when = f"{at.astimezone(world.program.tz):%a, %b %-d}"
    text, blocks = report_views.visit_confirmed_message(mentor, protege, when)
    direct.tell(world.factory, world.client, mentor, (text, blocks), at, step)


def _pd(world: DemoWorld, key: str, number: int, attended: date, where: str, at: datetime) -> None:
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, key)
        entry = reports.PdEntry(team.area, attended, where, 180, f"Sessions at the {where}.")
        form = reports.file_pd_form(session, team, number, entry, team.protege.slack_id, at)
        text, blocks = report_views.pd_filed_message(
            world.program,
            reports.shown_pd(form),
            team.id,
            team.mentor.slack_id,
            team.protege.slack_id,
            today,
        )
        mentor = team.mentor.slack_id
        step = _about(world, team, number, None, reports.PD_VERIFICATION)
    direct.send(world.factory, world.client, mentor, (text, blocks), at, step)


def _sign_pd(world: DemoWorld, key: str, number: int, at: datetime) -> None:
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, key)
        form = present(reports.pd_form(session, team, number), "the PD form")
        signed = reports.sign_pd_form(
            session, team, form.id, "A good choice for your program.", team.mentor.slack_id, at
        )
        text, blocks = report_views.pd_signed_message(
            world.program,
            reports.shown_pd(signed),
            team.mentor.slack_id,
            team.protege.slack_id,
            today,
        )
        protege = team.protege.slack_id
        step = _about(world, team, number, None, reports.PD_VERIFICATION)
    direct.tell(world.factory, world.client, protege, (text, blocks), at, step)


def _assessment(world: DemoWorld, key: str, at: datetime) -> None:
    entry = reports.AssessmentEntry(f"{DRIVE}jen-assessment-activity", "My assessment rubric.")
    with transaction(world.factory) as session:
        team = world.team(session, key)
        reports.submit_assessment(session, world.program, team, entry, team.protege.slack_id, at)
        mentor, protege = team.mentor.slack_id, team.protege.slack_id
        step = _about(world, team, None, None, reports.ASSESSMENT)
    text, blocks = report_views.assessment_message(protege, typed(entry.link))
    direct.tell(world.factory, world.client, mentor, (text, blocks), at, step)


# --- helpers -------------------------------------------------------------------------------


def _about(
    world: DemoWorld,
    team: Team,
    number: int | None,
    part: str | None,
    kind: StepKind = experiences.EXPERIENCE,
) -> direct.About:
    return direct.about_step(world.program, team.id, team.track, kind, number, part)


def _at(world: DemoWorld, month: int, day: int, hour: int) -> datetime:
    year = 2024 if month >= 8 else 2025
    return datetime.combine(date(year, month, day), time(hour), world.program.tz)


def _event(at: datetime, describe: str, run: Callable[[DemoWorld], None]) -> DemoEvent:
    return DemoEvent(at, describe, run)
