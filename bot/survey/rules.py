"""The spring program evaluation survey: when it opens and is due, who still owes it, and
taking one person's answers.

The survey opens on the calendar's survey "link" step and is due on its "answer" step. A
team's survey step is done when both its mentor and its protégé have answered. Answers are
only ever reported in aggregate (`results`): once the survey has closed, over the answers in
by the deadline, and only from five people up (storage.survey).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.program import Program, StepKind
from bot.program.kinds import ANSWER, LINK
from storage import survey as store
from storage.models import Team

COMMENTS_MAX = 3000
RATING_QUESTIONS = {
    "relationship": "My mentoring relationship this year",
    "benefits": "The benefits of the program and what I learned",
    "materials": "The program materials (topics, forms, the manual)",
}


@dataclass(frozen=True)
class Window:
    opens: date
    due: date


def window(program: Program, track: str) -> Window | None:
    """When the track's survey opens and is due; None when the calendar has no survey."""
    due = program.step(track, StepKind.SURVEY, part=ANSWER)
    if due is None:
        return None
    opens = program.step(track, StepKind.SURVEY, part=LINK)
    return Window(opens.due if opens is not None else due.due, due.due)


def closed_because(program: Program, track: str, today: date) -> str | None:
    """Why the track's survey cannot be answered today, or None while it is open."""
    found = window(program, track)
    if found is None or today < found.opens:
        when = f" on {found.opens:%a, %b} {found.opens.day}" if found else ""
        return f"The program evaluation survey is not open yet; it opens{when}."
    if today > program.end:
        return "The program year is over; the survey is closed."
    return None


def closing_day(program: Program, tracks: Iterable[str]) -> date | None:
    """The last day an answer counts for these tracks: the latest of their deadlines."""
    dues = [found.due for track in tracks if (found := window(program, track)) is not None]
    return max(dues, default=None)


class OnTrack(Protocol):
    """What the survey's figures read of a team: a report reads no more of thousands."""

    @property
    def id(self) -> int: ...

    @property
    def track(self) -> str: ...


def results(
    session: Session, program: Program, teams: Sequence[OnTrack], today: date
) -> store.SurveySummary:
    """The survey in aggregate over `teams` (an advisor's, an area's, the program's).

    Averages and comments come only once the survey has closed for every team in scope, and
    only from the answers each team gave by its deadline: a report made later shows the same
    figures, so two reports never differ by one person's answer. A late answer still completes
    the team's step; it is never in the figures.
    """
    ids = [team.id for team in teams]
    closes = closing_day(program, {team.track for team in teams})
    if closes is None or today <= closes:
        return store.survey_summary(session, program.id, ids, None)
    counted: dict[int, datetime] = {}
    for team in teams:
        found = window(program, team.track)
        if found is not None:
            # Before the start of the day after the deadline, in the program's timezone.
            counted[team.id] = datetime.combine(found.due + timedelta(days=1), time(), program.tz)
    return store.survey_summary(session, program.id, ids, counted)


def survey_standing(
    session: Session, teams: Sequence[Team]
) -> tuple[dict[int, datetime | None], list[tuple[Team, str, str]]]:
    """Team id -> when the second of its members answered (None until both have), and
    `owed_by`'s list, from one read of the answers."""
    found = store.answered_at(session, [team.id for team in teams])
    done: dict[int, datetime | None] = {}
    for team in teams:
        mentor = found.get((team.id, team.mentor.slack_id))
        protege = found.get((team.id, team.protege.slack_id))
        done[team.id] = max(mentor, protege) if mentor and protege else None
    return done, _owed(teams, found.keys())


def owed_by(session: Session, teams: Sequence[Team]) -> list[tuple[Team, str, str]]:
    """(team, Slack id, role) of every member who has not answered yet."""
    return _owed(teams, store.answered(session, [team.id for team in teams]))


def _owed(
    teams: Sequence[Team], answered: Collection[tuple[int, str]]
) -> list[tuple[Team, str, str]]:
    out = []
    for team in teams:
        for person, role in ((team.mentor, "mentor"), (team.protege, "protege")):
            if (team.id, person.slack_id) not in answered:
                out.append((team, person.slack_id, role))
    return out


def parse_ratings(values: dict[str, str | None]) -> dict[str, int]:
    """Each question's rating 1-5; raises KeyError naming a question with no valid answer."""
    ratings = {}
    for name in RATING_QUESTIONS:
        raw = values.get(name)
        if raw is None or not raw.isdigit() or not 1 <= int(raw) <= 5:
            raise KeyError(name)
        ratings[name] = int(raw)
    return ratings


def take_answers(
    session: Session,
    program: Program,
    team: Team,
    user_id: str,
    ratings: dict[str, int],
    comments: str | None,
    now: datetime,
) -> bool:
    """Store the person's answers; False when they had answered for this team already."""
    role = (
        "mentor"
        if team.mentor.slack_id == user_id
        else "protege"
        if team.protege.slack_id == user_id
        else None
    )
    if role is None or team.status != "active":
        raise Refusal("The survey is for the mentor and protégé of an active team.")
    closed = closed_because(program, team.track, now.astimezone(program.tz).date())
    if closed is not None:
        raise Refusal(closed)
    return store.record_response(
        session,
        program_id=program.id,
        team_id=team.id,
        slack_id=user_id,
        role=role,
        ratings=ratings,
        comments=(comments or "").strip() or None,
        now=now,
    )
