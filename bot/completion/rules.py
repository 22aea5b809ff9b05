"""What a completion summary holds, and when a team's members get theirs.

A team completes when every deliverable of its track is done, the survey included: the
standing `/mentor completers` reads (`TeamStanding.complete`). From the track's completers
date (the manual's April list) on, each member of a team that has completed gets the
summary once, as a DM; a button in it sends the same as a file to keep. The program's
records, not Slack's history, are the evidence: a free workspace hides a DM after 90 days,
the file stays with the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.program import Program, StepKind
from bot.status.deliverables import DeliverableStatus, OutsideSlack, member_deadlines
from bot.status.progress import step_name
from storage.models import Team

KIND = "completion"


@dataclass(frozen=True)
class Step:
    title: str
    due: date  # the calendar's date
    done: date  # local date it was done
    outside: OutsideSlack | None = None  # done outside Slack, as the advisor confirmed


@dataclass(frozen=True)
class CompletionSummary:
    team_id: int
    program_name: str
    school_year: str
    area_name: str
    track_name: str
    mentor: str  # Slack ids
    protege: str
    started: date
    steps: tuple[Step, ...]

    @property
    def completed(self) -> date:
        return max(step.done for step in self.steps)


def summary_of(
    program: Program, team: Team, statuses: Sequence[DeliverableStatus]
) -> CompletionSummary:
    """`statuses`: the team's standing's (every deliverable it had to do)."""
    steps = tuple(
        Step(
            step_name(program, s.deadline),
            s.due,
            s.done_at.astimezone(program.tz).date(),
            s.outside,
        )
        for s in statuses
        if s.tracked and s.done_at is not None
    )
    return CompletionSummary(
        team_id=team.id,
        program_name=program.name,
        school_year=program.school_year,
        area_name=program.area(team.area).name,
        track_name=program.track(team.track).name,
        mentor=team.mentor.slack_id,
        protege=team.protege.slack_id,
        started=team.start_date,
        steps=steps,
    )


def summaries_from(program: Program, track: str) -> date:
    """The first day summaries go out for the track: its completers date, else its last
    deliverable's."""
    step = program.step(track, StepKind.COMPLETERS)
    if step is not None:
        return step.due
    return max((d.due for d in member_deadlines(program, track)), default=program.end)


def summary_key(program: Program, team_id: int, slack_id: str) -> str:
    return f"{KIND}:{program.id}:team{team_id}:{slack_id}"
