"""The Home tab, per role (pure builders). Slack allows 100 blocks: each part is built to a
budget, and what does not fit is packed into text sections or counted.

- mentor and protégé: what needs them now (with its button), the next 30 days, the rest of
  the year behind a button, what is done; then this month's topic and the log buttons;
- someone on no team: who can add them;
- content advisor: each team's health (standing, last contact, overdue steps);
- staff: the program summary and buttons to register teams, import and export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.program import Deadline, Program, Topic
from bot.slack.blocks import Block, actions, button, context, divider, header, section
from bot.slack.dates import human_date
from bot.status import progress as progress_views
from bot.status.deliverables import DeliverableStatus
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
from bot.status.step_handlers import NextAction
from bot.status.views import ICONS, standing_counts

HOME_BLOCKS = 100
HOME_PAIR = "home_pair"
HOME_IMPORT = "home_import"
HOME_REPORT = "home_report"
NOW_DAYS = 7  # "now": late, or due within a week
NEXT_DAYS = 30  # "next": due within a month; the rest of the year is behind a button


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


@dataclass(frozen=True)
class MemberTeam:
    """What a member's part of the Home tab shows of one team."""

    heading: progress_views.TeamHeading
    statuses: Sequence[DeliverableStatus]  # calendar order, counted as everywhere
    meetings: Sequence[Deadline]  # the program's meetings still to come
    next_action: NextAction | None
    buttons: Sequence[FormButton]  # the forms open now (see `open_now`)
    coverage_text: str | None = None


def open_now(status: DeliverableStatus, today: date) -> bool:
    """A step whose form is worth a button: not done, and late or due within a month."""
    return status.done_at is None and status.effective_due <= today + timedelta(NEXT_DAYS)


def member_blocks(program: Program, team: MemberTeam, today: date) -> list[Block]:
    """Now, the next 30 days, the rest of the year (a button to the whole checklist), done."""
    heading, statuses = team.heading, team.statuses
    soon, month = today + timedelta(NOW_DAYS), today + timedelta(NEXT_DAYS)
    open_steps = [s for s in statuses if s.done_at is None]
    now = [s for s in open_steps if s.effective_due <= soon]
    coming = [s for s in open_steps if soon < s.effective_due <= month]
    later = [s for s in open_steps if s.effective_due > month]
    blocks = progress_views.team_summary_blocks(statuses, heading)
    action = team.next_action
    if action is not None:
        blocks.append(
            section(
                f"*Next for you:* {action.text}",
                accessory=button(action.label, action.action_id, action.value, "primary"),
            )
        )
    shown = {(action.action_id, action.value)} if action is not None else set()
    blocks += forms_block(
        [b for b in team.buttons if (b.action_id, b.value) not in shown], heading.team_id
    )
    if team.coverage_text:
        blocks.append(section(team.coverage_text))
    meetings_now = [m for m in team.meetings if m.due <= soon]
    meetings_next = [m for m in team.meetings if soon < m.due <= month]
    blocks += _part(program, "Now", now, meetings_now, heading, today, "Nothing due this week.")
    blocks += _part(
        program, "Next 30 days", coming, meetings_next, heading, today, "Nothing more this month."
    )
    if later:
        blocks.append(
            section(
                f"*Later this year:* {len(later)} more step{_s(len(later))}, the first due "
                f"{human_date(later[0].effective_due, today)}.",
                accessory=button(
                    "See the whole year", progress_views.PROGRESS_OPEN, str(heading.team_id)
                ),
            )
        )
    done = [s for s in statuses if s.done_at is not None]
    if done:
        names = [
            progress_views.step_name(program, s.deadline)
            + (f" ({s.outside.words()})" if s.outside else "")
            for s in done
        ]
        text = f"*Done ({len(done)}):* " + "; ".join(names)
        blocks.append(context(text if len(text) <= 2900 else text[:2899] + "…"))
    return blocks


def _part(
    program: Program,
    title: str,
    statuses: Sequence[DeliverableStatus],
    meetings: Sequence[Deadline],
    heading: progress_views.TeamHeading,
    today: date,
    empty: str,
) -> list[Block]:
    lines = progress_views.checklist_lines(program, statuses, heading, today, meetings)
    chunks = progress_views.text_chunks(lines) or [f"_{empty}_"]
    return [section(f"*{title}*\n{chunks[0]}"), *(section(c) for c in chunks[1:])]


def no_team_blocks(program: Program, staff: Sequence[str]) -> list[Block]:
    """Someone on no team, no advisor, not staff: who can add them."""
    mentions = [f"<@{user}>" for user in staff[:5]]
    if not mentions:
        ask = "program staff"
    elif len(mentions) == 1:
        ask = mentions[0]
    else:
        ask = ", ".join(mentions[:-1]) + " or " + mentions[-1]
    return [
        section(
            f"*Welcome to the {program.name}.* You are not on a mentoring team yet. Program "
            f"staff add people to teams: ask {ask} to add you. Meanwhile your Contact Form is "
            "yours to fill in: `/mentor contact`."
        )
    ]


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


def staff_blocks(
    program: Program, status: ProgramStatus, budget: int, buttons: bool = True
) -> list[Block]:
    """A program's summary for staff; `buttons`: with the staff buttons (once a Home tab,
    which may show several programs)."""
    totals = status.totals
    blocks: list[Block] = [
        header(f"{program.name} {program.school_year}"[:150]),
        section(
            f"*{len(status.teams)} active team{_s(len(status.teams))}*  {standing_counts(totals)}"
        ),
    ]
    if buttons:
        blocks.append(
            actions(
                button("Register a team", HOME_PAIR, style="primary"),
                button("Import teams", HOME_IMPORT),
                button("Export the report", HOME_REPORT),
                block_id="staff_actions",
            )
        )
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
