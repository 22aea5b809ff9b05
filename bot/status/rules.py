"""Where the program stands: each team's standing, the program and advisor summaries, the
overdue list and the completers.

Everything here is computed for a batch of teams with a fixed number of queries (the
deliverable sources and the health check are batched), so staff can ask about 5,000 teams
inside Slack's 3 seconds.

A team's standing is one of four, the worst that applies:
- silent: no recorded activity for more school days than the program allows;
- behind: a deliverable is past its (effective) due date;
- at risk: this month's contacts fall short of the minimum by the log's due date;
- on track: none of these.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Protocol

from sqlalchemy.orm import Session

from bot.program import Program, StepKind
from bot.silence.rules import Health, team_health
from bot.status.deliverables import (
    DONE,
    OVERDUE,
    DeliverableStatus,
    deliverables_for,
    member_deadlines,
    next_school_day_on_or_after,
)
from bot.status.progress import step_name
from storage.models import Team

ON_TRACK, BEHIND, AT_RISK, SILENT = "on track", "behind", "at risk", "silent"
STANDINGS = (ON_TRACK, BEHIND, AT_RISK, SILENT)


@dataclass(frozen=True)
class TeamStanding:
    team_id: int
    mentor: str  # Slack ids
    protege: str
    advisor: str | None
    area: str  # ids, as stored
    track: str
    standing: str
    statuses: tuple[DeliverableStatus, ...]  # tracked deliverables only, calendar order
    last_activity: date

    # Computed once: summaries over thousands of teams ask each of these several times.
    @cached_property
    def overdue(self) -> tuple[DeliverableStatus, ...]:
        return tuple(s for s in self.statuses if s.state == OVERDUE)

    @cached_property
    def done(self) -> int:
        return sum(1 for s in self.statuses if s.state == DONE)

    @property
    def required(self) -> int:
        return len(self.statuses)

    @property
    def complete(self) -> bool:
        """Every required deliverable of the track is done (the April completers list)."""
        return bool(self.statuses) and self.done == self.required


@dataclass(frozen=True)
class GroupCount:
    area: str
    track: str
    counts: dict[str, int]  # standing -> teams

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Completion:
    """How many teams have done one deliverable whose date has come."""

    deadline_id: str  # the first team's; tracks sharing the step may name it differently
    title: str
    due: date
    done: int
    total: int
    step: str = ""  # the deliverable across tracks: Deadline.key

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class ProgramStatus:
    today: date
    teams: tuple[TeamStanding, ...]  # each team's, or () when counted from kept standings
    groups: tuple[GroupCount, ...]  # every team is in one group
    completion: tuple[Completion, ...]

    @property
    def totals(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for group in self.groups:
            counts.update(group.counts)
        return {standing: counts.get(standing, 0) for standing in STANDINGS}

    @property
    def count(self) -> int:
        return sum(group.total for group in self.groups)


@dataclass(frozen=True)
class OverdueItem:
    team_id: int
    advisor: str | None
    mentor: str
    protege: str
    deadline_id: str
    title: str
    responsible: tuple[str, ...]  # Slack ids of whoever holds the step
    waiting_on: str | None  # the earlier step it waits for (then nobody holds it yet)
    due: date
    days_late: int
    step: str = ""  # Deadline.key: orders a team's steps late by as much, whatever their ids


@dataclass(frozen=True)
class OverdueList:
    """Overdue steps in `overdue_items`' order: the first ones (all of them, or more than a
    message shows), how many there are, and how many each advisor's teams have."""

    items: tuple[OverdueItem, ...]
    total: int
    per_advisor: dict[str | None, int]

    @classmethod
    def of(cls, items: Sequence[OverdueItem]) -> OverdueList:
        return cls(tuple(items), len(items), dict(Counter(item.advisor for item in items)))


class TeamPeople(Protocol):
    """Who a listed team is: its members, advisor (Slack ids), area and track."""

    @property
    def team_id(self) -> int: ...
    @property
    def mentor(self) -> str: ...
    @property
    def protege(self) -> str: ...
    @property
    def advisor(self) -> str | None: ...
    @property
    def area(self) -> str: ...
    @property
    def track(self) -> str: ...


# --- per team --------------------------------------------------------------------------------


def standings(
    session: Session, program: Program, teams: Sequence[Team], today: date
) -> list[TeamStanding]:
    """Each team's standing, in the order given (every step a feature tracks, the survey's
    answers included: `bot.survey.step`)."""
    if not teams:
        return []
    statuses = deliverables_for(session, program, teams, today)
    health = team_health(session, program, teams, today)
    out = []
    for team in teams:
        tracked = tuple(status for status in statuses[team.id] if status.tracked)
        out.append(
            TeamStanding(
                team_id=team.id,
                mentor=team.mentor.slack_id,
                protege=team.protege.slack_id,
                advisor=team.advisor.slack_id if team.advisor else None,
                area=team.area,
                track=team.track,
                standing=_standing(tracked, health[team.id]),
                statuses=tracked,
                last_activity=health[team.id].last_activity,
            )
        )
    return out


def counted_statuses(
    session: Session, program: Program, teams: Sequence[Team], today: date
) -> dict[int, list[DeliverableStatus]]:
    """Every deliverable of each team, counted as the standings count them (the survey's
    answers are a step of their own, `bot.survey.step`): what a checklist shows."""
    return deliverables_for(session, program, teams, today)


# The name the status, reports, completers and the demo know it by.
program_standings = standings


def _standing(statuses: Iterable[DeliverableStatus], health: Health) -> str:
    if health.silent:
        return SILENT
    if any(s.state == OVERDUE for s in statuses):
        return BEHIND
    if health.at_risk:
        return AT_RISK
    return ON_TRACK


# --- summaries --------------------------------------------------------------------------------


def summarize(program: Program, teams: Sequence[TeamStanding], today: date) -> ProgramStatus:
    """Teams by area and track with their standings, and each due deliverable's completion."""
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for team in teams:
        groups[(team.area, team.track)][team.standing] += 1
    return ProgramStatus(
        today, tuple(teams), group_rows(program, groups), completion_so_far(program, teams, today)
    )


def group_rows(
    program: Program, groups: dict[tuple[str, str], Counter[str]]
) -> tuple[GroupCount, ...]:
    """Standings counted by (area, track), in the program's order of areas and tracks."""
    order = {area.id: i for i, area in enumerate(program.areas)}
    track_order = {track.id: i for i, track in enumerate(program.tracks)}
    return tuple(
        GroupCount(area, track, {s: counts.get(s, 0) for s in STANDINGS})
        for (area, track), counts in sorted(
            groups.items(),
            key=lambda item: (
                order.get(item[0][0], 99),
                item[0][0],
                track_order.get(item[0][1], 9),
            ),
        )
    )


def completion_so_far(
    program: Program, teams: Sequence[TeamStanding], today: date
) -> tuple[Completion, ...]:
    """Each deliverable whose calendar date has come, with how many teams have done it."""
    done: Counter = Counter()
    total: Counter = Counter()
    first: dict[str, DeliverableStatus] = {}
    for team in teams:
        for status in counted_so_far(team, today):
            step = status.deadline.key  # one row per step, whichever track it is in
            total[step] += 1
            first.setdefault(step, status)
            if status.state == DONE:
                done[step] += 1
    rows = [
        Completion(
            first[step].id, _short_title(program, first[step]), first[step].due, done[step], n, step
        )
        for step, n in total.items()
    ]
    rows.sort(key=lambda row: (row.due, row.step))
    return tuple(rows)


def counted_so_far(team: TeamStanding, today: date) -> Iterator[DeliverableStatus]:
    """The team's deliverables whose calendar date has come: what completion counts."""
    return (status for status in team.statuses if status.due <= today)


def _short_title(program: Program, status: DeliverableStatus) -> str:
    return step_name(program, status.deadline)


def overdue_items(
    program: Program, teams: Sequence[TeamStanding], today: date
) -> list[OverdueItem]:
    """Every overdue step, grouped by advisor (no advisor last), most late first."""
    items = [item for team in teams for item in team_overdue(program, team, today)]
    worst: dict[str | None, int] = defaultdict(int)
    for item in items:
        worst[item.advisor] = max(worst[item.advisor], item.days_late)
    items.sort(
        key=lambda i: (
            i.advisor is None,
            -worst[i.advisor],
            i.advisor or "",
            -i.days_late,
            i.team_id,
            i.step,
        )
    )
    return items


def team_overdue(program: Program, team: TeamStanding, today: date) -> list[OverdueItem]:
    """One team's overdue steps, in calendar order."""
    return [
        OverdueItem(
            team_id=team.team_id,
            advisor=team.advisor,
            mentor=team.mentor,
            protege=team.protege,
            deadline_id=status.id,
            title=_short_title(program, status),
            responsible=responsible(team, status),
            waiting_on=status.waiting_on,
            due=status.effective_due,
            days_late=(today - status.effective_due).days,
            step=status.deadline.key,
        )
        for status in team.overdue
    ]


def responsible(team: TeamStanding, status: DeliverableStatus) -> tuple[str, ...]:
    """The Slack ids of whoever holds one of the team's steps."""
    people = {"mentor": team.mentor, "protege": team.protege}
    return tuple(people[r] for r in status.holders if r in people)


def completers(teams: Sequence[TeamStanding]) -> list[TeamStanding]:
    """Teams that completed every required deliverable of their track."""
    return [team for team in teams if team.complete]


def completers_date(program: Program) -> date | None:
    """When the completers list is final: the calendar's completers date or, where the program
    waits for every deliverable (`settings.completers_wait_for_deliverables`: BMIT's April log
    is due after its list), the school day after the last one is due, whichever is later."""
    found = []
    for track in program.tracks:
        step = program.step(track.id, StepKind.COMPLETERS)
        if step is None:
            continue
        final = step.due
        last = max((d.due for d in member_deadlines(program, track.id)), default=final)
        if program.settings.completers_wait_for_deliverables and last >= final:
            final = next_school_day_on_or_after(program, last + timedelta(days=1))
        found.append(final)
    return max(found, default=None)


# --- scope -------------------------------------------------------------------------------------


def area_matching(program: Program, word: str) -> str | None:
    """The area id named by `word` (its id or name, any case), or None."""
    wanted = word.strip().lower()
    for area in program.areas:
        if wanted in (area.id.lower(), area.name.lower()):
            return area.id
    return None


def area_name(program: Program, area_id: str) -> str:
    try:
        return program.area(area_id).name
    except KeyError:
        return area_id


def track_name(program: Program, track_id: str) -> str:
    try:
        return program.track(track_id).name
    except KeyError:
        return track_id


# --- as text (the demo's closing table, the CLI) ------------------------------------------------


def status_table(program: Program, status: ProgramStatus) -> str:
    """The staff summary as a plain-text table."""
    totals = status.totals
    lines = [
        f"Program status on {status.today:%a %b %d, %Y}: {status.count} team(s), "
        + ", ".join(f"{totals[s]} {s}" for s in STANDINGS),
        "",
        f"  {'area':44} {'track':6} " + " ".join(f"{s:>9}" for s in STANDINGS),
    ]
    for group in status.groups:
        lines.append(
            f"  {area_name(program, group.area)[:44]:44} {group.track:6} "
            + " ".join(f"{group.counts[s]:>9}" for s in STANDINGS)
        )
    if status.completion:
        lines += ["", "  Deliverables due so far (teams done / teams)"]
        for row in status.completion:
            lines.append(
                f"  {row.due:%b %d}  {row.title[:62]:62} {row.done:>4}/{row.total:<4} "
                f"{row.percent:>3}%"
            )
    return "\n".join(lines)
