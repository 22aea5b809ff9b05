"""Demo events: the initial meeting's forms for every demo team.

Luis Ortega (with Dana Whitfield) rates the Focal Points Checklist at the Sep 25 meeting; the
team fills in the Decision Points Checklist and sends the Individual Mentoring Plan, with one
experience of their own ("other"). Grace Kim, their content advisor, marks it received, returns
it with a comment, and approves the revision on Oct 1, approving the "other" experience
explicitly. The other teams file theirs at their own first meetings and are approved at once.

The events call the same domain functions the Slack listeners call and send the same DMs
through the demo's recording client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.accounts import direct
from bot.demo.world import DemoEvent, DemoWorld, present
from bot.plans import checklists as cviews
from bot.plans import rules as plans
from bot.plans import views as pviews
from bot.plans.form import (
    DecisionPointsForm,
    FocalPointsForm,
    ItemKey,
    PlanForm,
    SlotForm,
    focal_keys,
)
from bot.plans.step import DECISION_POINTS, FOCAL_POINTS, MENTORING_PLAN
from bot.program import StepKind
from storage.db import transaction

LUIS_TEAM = "Dana Whitfield/Luis Ortega"
ADVISOR_NAME = "Grace Kim"  # every demo team's content advisor (bot/demo/year.py)
RETURN_COMMENT = (
    "Experience 2 is a good idea, but say what Luis will bring back from the visit (notes, a "
    "lesson plan?) and when. Experience 4 falls on State DECA week: move it earlier."
)


@dataclass(frozen=True)
class _Meeting:
    team: str  # "mentor/protégé" as in DemoWorld.teams
    day: date
    concerns: dict[ItemKey, int]  # Focal Points items rated above 1
    top: tuple[ItemKey, ...]  # the top four concerns (Decision Points)
    selections: tuple[int | None, int | None, int | None, int | None]  # None: "other"
    dues: tuple[date, date, date, date]
    approve_on: date | None  # None: the story below decides


MEETINGS = (
    _Meeting(
        LUIS_TEAM,
        date(2024, 9, 25),
        {(0, 2): 3, (1, 0): 3, (3, 1): 2, (5, 1): 2, (7, 3): 3, (7, 4): 2, (9, 2): 2},
        ((0, 7), (0, 0), (0, 1), (1, 6)),
        (7, None, 8, 14),
        (date(2024, 10, 21), date(2024, 12, 2), date(2025, 2, 3), date(2025, 3, 3)),
        None,
    ),
    _Meeting(
        "Ruth Adler/Sam Patel",
        date(2024, 9, 25),
        {(3, 4): 3, (6, 1): 2, (6, 2): 2, (2, 1): 2},
        ((0, 3), (0, 6), (0, 2), (1, 5)),
        (1, 12, 9, 3),
        (date(2024, 10, 21), date(2024, 12, 2), date(2025, 2, 3), date(2025, 3, 3)),
        date(2024, 9, 27),
    ),
    _Meeting(
        "Omar Haddad/Jen Brooks",
        date(2024, 10, 1),
        {(4, 0): 3, (8, 1): 2},
        ((0, 4), (0, 8), (1, 3), (1, 2)),
        (5, 17, 10, 15),
        (date(2024, 10, 25), date(2024, 12, 2), date(2025, 2, 14), date(2025, 3, 14)),
        date(2024, 10, 3),
    ),
    _Meeting(
        "Dana Whitfield/Avery Cole",
        date(2024, 11, 6),
        {(0, 0): 3, (0, 2): 2, (5, 3): 2},
        ((0, 0), (0, 5), (1, 4), (1, 7)),
        (7, 2, 12, 11),
        (date(2024, 12, 2), date(2024, 12, 13), date(2025, 2, 3), date(2025, 3, 3)),
        date(2024, 11, 8),
    ),
)


def events(world: DemoWorld) -> list[DemoEvent]:
    found: list[DemoEvent] = []
    for meeting in MEETINGS:
        found += _meeting(world, meeting)
    found += _luis_review(world)
    return found


def _meeting(world: DemoWorld, meeting: _Meeting) -> list[DemoEvent]:
    mentor, protege = meeting.team.split("/")
    at = _at(world, meeting.day)
    found = [
        _event(
            at(10, 15),
            f"{protege} files the Focal Points Checklist "
            f"({len(meeting.concerns)} items of moderate or high concern)",
            lambda w: _focal(w, meeting, at(10, 15)),
        ),
        _event(
            at(10, 45),
            f"{mentor} and {protege} fill in the Decision Points Checklist",
            lambda w: _decisions(w, meeting, at(10, 45)),
        ),
        _event(
            at(11, 30),
            f"{protege} sends the Individual Mentoring Plan to {ADVISOR_NAME}",
            lambda w: _plan(w, meeting, meeting.dues, at(11, 30)),
        ),
    ]
    if meeting.approve_on is not None:
        approve_at = _at(world, meeting.approve_on)(9, 0)
        found.append(
            _event(
                approve_at,
                f"{ADVISOR_NAME} approves the plan of {mentor} and {protege}",
                lambda w: _decide(w, meeting.team, approve_at, "approve"),
            )
        )
    return found


def _luis_review(world: DemoWorld) -> list[DemoEvent]:
    received = _at(world, date(2024, 9, 26))(8, 10)
    returned = _at(world, date(2024, 9, 27))(14, 0)
    revised = _at(world, date(2024, 9, 30))(16, 30)
    approved = _at(world, date(2024, 10, 1))(9, 0)
    meeting = MEETINGS[0]
    later_dues = (*meeting.dues[:3], date(2025, 2, 24))
    return [
        _event(
            received,
            "Grace Kim marks Luis Ortega's plan received",
            lambda w: _decide(w, LUIS_TEAM, received, "receive"),
        ),
        _event(
            returned,
            f"Grace Kim returns Luis Ortega's plan with a comment: “{RETURN_COMMENT}”",
            lambda w: _decide(w, LUIS_TEAM, returned, "return"),
        ),
        _event(
            revised,
            "Luis Ortega sends revision 2: Experience 2 described, Experience 4 moved to Feb 24",
            lambda w: _plan(w, meeting, later_dues, revised, revised_other=True),
        ),
        _event(
            approved,
            "Grace Kim approves revision 2, and its own experience (Experience 2) explicitly",
            lambda w: _decide(w, LUIS_TEAM, approved, "approve"),
        ),
    ]


# --- what each event does ------------------------------------------------------------------


def _focal(world: DemoWorld, meeting: _Meeting, at: datetime) -> None:
    ratings = {key: meeting.concerns.get(key, 1) for key in focal_keys(world.program)}
    with transaction(world.factory) as session:
        team = world.team(session, meeting.team)
        plans.file_focal_points(
            session, world.program, team, FocalPointsForm(ratings), team.protege.slack_id, at
        )
        people = plans.team_people(world.program, team)
    text, blocks = cviews.focal_points_filed_dm(world.program, people, ratings, False)
    step = _about(world, people, FOCAL_POINTS)
    direct.tell(world.factory, world.client, people.mentor, (text, blocks), at, step)


def _decisions(world: DemoWorld, meeting: _Meeting, at: datetime) -> None:
    with transaction(world.factory) as session:
        team = world.team(session, meeting.team)
        draft = plans.decision_draft(session, world.program, team)
        form = DecisionPointsForm(
            concerned=draft.concerned | set(meeting.top),
            notes={meeting.top[0]: "Start here: first experience and the September log."},
            top=meeting.top,
        )
        filing = plans.file_decision_points(
            session, world.program, team, form, team.mentor.slack_id, at
        )
        people = plans.team_people(world.program, team)
        top = plans.top_concerns(filing)
    text, blocks = cviews.decision_points_filed_dm(people, people.mentor, top, False)
    step = _about(world, people, DECISION_POINTS)
    direct.tell(world.factory, world.client, people.protege, (text, blocks), at, step)


def _plan(
    world: DemoWorld,
    meeting: _Meeting,
    dues: tuple[date, ...],
    at: datetime,
    revised_other: bool = False,
) -> None:
    other = "Spend a day with the DECA advisor at a partner district" + (
        " and bring back a unit plan for the Sports Marketing course, by Nov 22."
        if revised_other
        else "."
    )
    slots = tuple(
        SlotForm(
            number=n,
            semester=1 if n <= 2 else 2,
            selection=selection,
            other_description=other if selection is None else None,
            planned=f"Experience {n}: planned with {meeting.team.split('/')[0]} at the meeting",
            due=due,
        )
        for n, (selection, due) in enumerate(zip(meeting.selections, dues, strict=True), 1)
    )
    with transaction(world.factory) as session:
        team = world.team(session, meeting.team)
        plan = plans.submit_plan(
            session, world.program, team, PlanForm(slots), team.protege.slack_id, at
        )
        people = plans.team_people(world.program, team)
        recipients, to_staff = plans.reviewers(team, ())
    today = at.astimezone(world.program.tz).date()
    text, blocks = pviews.plan_review_message(world.program, people, plan, today, to_staff=to_staff)
    for recipient in recipients:
        sent = world.client.chat_postMessage(channel=recipient, text=text, blocks=blocks)
        with transaction(world.factory) as session:
            plans.add_review_message(session, plan.id, recipient, sent["channel"], sent["ts"], at)
    text, blocks = pviews.plan_submitted_notice(people, plan, recipients)
    step = _about(world, people, MENTORING_PLAN)
    direct.tell(world.factory, world.client, people.mentor, (text, blocks), at, step)


def _decide(world: DemoWorld, team_key: str, at: datetime, what: str) -> None:
    today = at.astimezone(world.program.tz).date()
    with transaction(world.factory) as session:
        team = world.team(session, team_key)
        current = present(plans.current_plan(session, team), "the plan")
        advisor = team.advisor.slack_id if team.advisor else "U0DEMOSTAFF"
        if what == "receive":
            plans.receive_plan(session, current.id, advisor, at)
        elif what == "return":
            plans.return_plan(session, current.id, advisor, RETURN_COMMENT, at)
        else:
            plans.approve_plan(session, current.id, advisor, at, set(current.other_slots))
        people = plans.team_people(world.program, team)
        plan = present(plans.plan_record(session, current.id), "the plan")
    if what == "receive":
        text, blocks = pviews.plan_received_notice(plan)
    elif what == "return":
        text, blocks = pviews.plan_returned_notice(people, plan)
    else:
        text, blocks = pviews.plan_approved_notice(world.program, plan, today)
    step = _about(world, people, MENTORING_PLAN)
    for member in (people.protege, people.mentor):
        if what == "return":  # a request, in a message of its own
            direct.send(world.factory, world.client, member, (text, blocks), at, step)
        else:
            direct.tell(world.factory, world.client, member, (text, blocks), at, step)


def _about(world: DemoWorld, people: plans.TeamPeople, kind: StepKind) -> direct.About:
    return direct.about_step(world.program, people.team_id, people.track, kind)


def _event(at: datetime, describe: str, run: Callable[[DemoWorld], None]) -> DemoEvent:
    return DemoEvent(at, describe, run)


def _at(world: DemoWorld, day: date) -> Callable[[int, int], datetime]:
    def at(hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), world.program.tz).astimezone(UTC)

    return at
