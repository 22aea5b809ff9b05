"""The Home tab, per role (pure builders). Slack allows 100 blocks: each part is built to a
budget, and what does not fit is packed into text sections or counted.

- mentor and protégé: their team, this month's topic, next deadlines, a button per form;
- content advisor: each team's health (standing, last contact, overdue steps);
- staff: the program summary and buttons to register teams, import and export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.program import Program, Topic
from bot.slack.blocks import Block, actions, button, context, divider, header, section
from bot.slack.dates import human_date
from bot.status import progress as progress_views
from bot.status.rules import (
    AT_RISK,
    BEHIND,
    ON_TRACK,
    SILENT,
    ProgramStatus,
    TeamStanding,
    area_name,
    track_name,
)
from bot.status.views import ICONS, standing_counts

HOME_BLOCKS = 100
HOME_PAIR = "home_pair"
HOME_IMPORT = "home_import"
HOME_REPORT = "home_report"


@dataclass(frozen=True)
class FormButton:
    label: str
    action_id: str
    value: str


def topic_blocks(topic: Topic | None, today: date) -> list[Block]:
    if topic is None:
        return []
    bullets = "\n".join(f"• {b}" for b in topic.bullets[:6])
    return [section(f"*This month's topic: {topic.title}*\n{bullets}")]


def forms_block(buttons: Sequence[FormButton], team_id: int) -> list[Block]:
    """Every form the member can file on one team, in one or more rows (Slack: 25 elements a
    row). Block ids name the team: a member of two teams gets two sets on one Home tab."""
    if not buttons:
        return []
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return [
        actions(
            *(button(b.label, b.action_id, b.value) for b in row),
            block_id=f"forms_{team_id}_{n}",
        )
        for n, row in enumerate(rows[:4])
    ]


def advisor_blocks(
    program: Program,
    teams: Sequence[TeamStanding],
    today: date,
    last_contact: dict[int, date],
    budget: int,
) -> list[Block]:
    """One section per team (worst first) with a checklist button; past the budget, the rest
    packed as text lines."""
    if not teams:
        return [section("You advise no active teams yet.")]
    counts = {s: sum(1 for t in teams if t.standing == s) for s in ICONS}
    blocks: list[Block] = [
        header("Your teams"),
        section(f"*{len(teams)} team{'s' if len(teams) != 1 else ''}*  {standing_counts(counts)}"),
    ]
    rank = {SILENT: 0, BEHIND: 1, AT_RISK: 2, ON_TRACK: 3}
    ordered = sorted(teams, key=lambda t: (rank[t.standing], t.team_id))
    room = max(budget - len(blocks) - 2, 1)
    one_each = ordered if len(ordered) <= room else ordered[: room - 1]
    for team in one_each:
        blocks.append(
            section(
                advisor_team_line(program, team, today, last_contact.get(team.team_id)),
                accessory=button("See checklist", progress_views.PROGRESS_OPEN, str(team.team_id)),
            )
        )
    rest = ordered[len(one_each) :]
    if rest:
        lines = [
            advisor_team_line(program, t, today, last_contact.get(t.team_id), short=True)
            for t in rest
        ]
        text = "\n".join(lines)
        if len(text) > 2900:
            text = text[:2900].rsplit("\n", 1)[0] + "\n…"
        blocks.append(section(f"*{len(rest)} more (on track first last):*\n{text}"))
    blocks.append(context("`/mentor overdue` lists every late step; `/mentor report` exports."))
    return blocks


def advisor_team_line(
    program: Program,
    team: TeamStanding,
    today: date,
    contact: date | None,
    *,
    short: bool = False,
) -> str:
    last = f"last contact {human_date(contact, today)}" if contact else "no contact recorded"
    line = (
        f"{ICONS[team.standing]} <@{team.mentor}> & <@{team.protege}>: *{team.standing}* · {last}"
    )
    if short:
        return line
    line += f"\n{area_name(program, team.area)} · {team.done} of {team.required} done"
    late = sorted(team.overdue, key=lambda s: s.effective_due)
    if late:
        names = [
            f"{progress_views.step_name(program, s.deadline)} "
            f"({(today - s.effective_due).days} days late)"
            for s in late[:3]
        ]
        more = f" and {len(late) - 3} more" if len(late) > 3 else ""
        line += "\n⚠️ " + "; ".join(names) + more
    return line


def staff_blocks(program: Program, status: ProgramStatus, budget: int) -> list[Block]:
    totals = status.totals
    blocks: list[Block] = [
        header(f"{program.name} {program.school_year}"[:150]),
        section(
            f"*{len(status.teams)} active team{_s(len(status.teams))}*  {standing_counts(totals)}"
        ),
        actions(
            button("Register a team", HOME_PAIR, style="primary"),
            button("Import teams", HOME_IMPORT),
            button("Export the report", HOME_REPORT),
            block_id="staff_actions",
        ),
    ]
    lines = [
        f"*{area_name(program, g.area)}* · {track_name(program, g.track)}: {g.total} · "
        f"{standing_counts(g.counts)}"
        for g in status.groups
    ]
    if lines:
        blocks += [divider(), section("\n".join(lines)[:2900])]
    recent = [c for c in status.completion][-12:]
    if recent:
        text = "\n".join(
            f"`{c.percent:>3}%` {c.title} (due {human_date(c.due, status.today)})" for c in recent
        )
        blocks += [section(f"*Deliverables due so far (latest)*\n{text}"[:2900])]
    blocks.append(
        context("`/mentor status [area]`, `/mentor overdue`, `/mentor completers` for more.")
    )
    return blocks[:budget]


def fit(blocks: list[Block]) -> list[Block]:
    """Never more than Slack's 100 blocks: the last kept block says there is more."""
    if len(blocks) <= HOME_BLOCKS:
        return blocks
    return blocks[: HOME_BLOCKS - 1] + [context("There is more: type `/mentor status`.")]


def _s(n: int) -> str:
    return "" if n == 1 else "s"
