"""Semester progress for building administrators: completion only.

On each of the calendar's semester progress dates the content advisor gets, per team, a short
note to forward to the protégé's building administrator (name and e-mail from the protégé's
Contact Form). It says which program steps due so far are complete, never what was said or
written: mentoring is confidential and is not evaluation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.program import Deadline, Program, StepKind
from bot.program.kinds import spec
from bot.slack.text import TypedText, typed
from bot.status import rules as status_domain
from bot.status.deliverables import DONE, DeliverableStatus
from bot.status.progress import step_name
from storage.models import Team


@dataclass(frozen=True)
class ProgressDate:
    deadline_id: str  # as the file calls it (the first track's, when tracks share the date)
    step_key: str  # the program year and the step, as delivery keys name it
    day: date
    label: str  # "semester one", as the calendar names it


@dataclass(frozen=True)
class TeamProgress:
    team_id: int
    protege: str  # Slack ids
    mentor: str
    protege_name: TypedText  # the protégé's Slack name, and the administrator's name and
    area: str  # e-mail from the Contact Form: each typed by a person
    track: str
    admin_name: TypedText
    admin_email: TypedText
    # "Structured Experiences 2 of 2", "Mentor/Protégé Visit Report done": one part per kind
    # of step due so far, in calendar order; completion only.
    completion: tuple[str, ...]
    done: int  # steps due so far that are complete (an experience's parts count once)
    due: int


def progress_dates(program: Program) -> list[ProgressDate]:
    """The semester progress dates of every track, each once, in order."""
    found: dict[str, ProgressDate] = {}
    words = {1: "semester one", 2: "semester two"}
    for track in program.tracks:
        for deadline in program.steps(track.id, StepKind.SEMESTER_PROGRESS):
            number = deadline.step.number
            label = words.get(number or 0, f"semester {number}")
            key = program.step_key(deadline)
            found.setdefault(key, ProgressDate(deadline.id, key, deadline.due, label))
    return sorted(found.values(), key=lambda p: p.day)


def summaries_by_advisor(
    session: Session, program: Program, teams: Sequence[Team], today: date
) -> dict[str, list[TeamProgress]]:
    """Each advisor's teams with their completion so far (teams with no advisor are left out)."""
    advisor_of = {team.id: team.advisor.slack_id for team in teams if team.advisor is not None}
    advised = [team for team in teams if team.id in advisor_of]
    standings = {
        s.team_id: s for s in status_domain.program_standings(session, program, advised, today)
    }
    out: dict[str, list[TeamProgress]] = defaultdict(list)
    for team in advised:
        out[advisor_of[team.id]].append(_progress(program, team, standings[team.id], today))
    return dict(out)


def _progress(
    program: Program, team: Team, standing: status_domain.TeamStanding, today: date
) -> TeamProgress:
    due = [s for s in standing.statuses if s.effective_due <= today or s.state == DONE]
    parts = _summary(program, due)
    return TeamProgress(
        team_id=team.id,
        protege=team.protege.slack_id,
        mentor=team.mentor.slack_id,
        protege_name=typed(team.protege.name),
        area=status_domain.area_name(program, team.area),
        track=status_domain.track_name(program, team.track),
        admin_name=typed(team.protege.admin_name),
        admin_email=typed(team.protege.admin_email),
        completion=tuple(part for part, _, _ in parts),
        done=sum(done for _, done, _ in parts),
        due=sum(of for _, _, of in parts),
    )


def _summary(program: Program, statuses: Sequence[DeliverableStatus]) -> list[tuple[str, int, int]]:
    """(words, done, of) per kind of step, in the order the kinds first come. A step is one
    occurrence of its kind (an experience with its three parts is one, each month's log is
    one), done when all its parts are: what an administrator counts, not the bot's steps.
    Monthly steps (the Communication Log) come last."""
    steps: dict[StepKind, dict[object, list[DeliverableStatus]]] = {}
    for status in sorted(statuses, key=lambda s: s.due):
        step = status.deadline.step
        occurrence = status.deadline.key if step.number is None else step.number
        if step.part is not None and step.number is None:
            occurrence = step.kind  # an unnumbered step in parts is one step
        steps.setdefault(step.kind, {}).setdefault(occurrence, []).append(status)
    out = []
    # The monthly steps last, after the ones the calendar dates once.
    for occurrences in sorted(steps.values(), key=lambda o: len(o) > 1 and _monthly(o)):
        first = next(iter(occurrences.values()))[0].deadline
        name = _kind_name(program, first)
        done = sum(all(s.state == DONE for s in parts) for parts in occurrences.values())
        of = len(occurrences)
        if of == 1:
            out.append((f"{name} {'done' if done else 'not yet'}", done, of))
        else:
            out.append((f"{name}s {done} of {of}", done, of))
    return out


def _monthly(occurrences: dict[object, list[DeliverableStatus]]) -> bool:
    return spec(next(iter(occurrences.values()))[0].deadline.step.kind).recurring


def _kind_name(program: Program, deadline: Deadline) -> str:
    """The step kind's name: its form's ("Structured Experience", "Communication Log"), else
    the bot's name of its first step."""
    if deadline.form is not None:
        try:
            return program.form_name(deadline.form)
        except KeyError:
            pass
    return step_name(program, deadline)
