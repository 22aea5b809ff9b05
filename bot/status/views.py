"""`/mentor status`, `/mentor overdue` and `/mentor completers` as Block Kit (pure builders).

Long lists are packed into sections of at most 3,000 characters and a message of at most
50 blocks; what does not fit is counted, with the command that gives the whole list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.program import Program
from bot.slack.blocks import SECTION_TEXT_MAX, Block, context, divider, header, section
from bot.slack.dates import human_date
from bot.slack.text import TypedText
from bot.status.rules import (
    AT_RISK,
    BEHIND,
    ON_TRACK,
    SILENT,
    STANDINGS,
    OverdueItem,
    OverdueList,
    ProgramStatus,
    TeamPeople,
    TeamStanding,
    area_name,
    track_name,
)
from bot.status.semester import TeamProgress

Message = tuple[str, list[Block]]
MESSAGE_BLOCKS = 50
COUNTED_AT_ONCE = 300  # standings still to count before an answer that takes no while
ICONS = {ON_TRACK: "✅", BEHIND: "⚠️", AT_RISK: "🟠", SILENT: "🔇"}


def standing_counts(counts: dict[str, int]) -> str:
    return " · ".join(f"{ICONS[s]} {counts.get(s, 0)} {s}" for s in STANDINGS)


def status_message(
    program: Program,
    status: ProgramStatus,
    title: str,
    *,
    list_teams: bool = False,
) -> Message:
    """The summary: standings by area and track, then each deliverable due so far."""
    teams = status.count
    if not teams:
        text = f"{title}: no active teams to show."
        return text, [section(text)]
    blocks: list[Block] = [
        header(title[:150]),
        section(f"*{teams} team{'s' if teams != 1 else ''}*  {standing_counts(status.totals)}"),
    ]
    if list_teams:
        blocks += _sections([team_line(program, t, status.today) for t in _worst_first(status)])
    else:
        group_lines = [
            f"*{area_name(program, g.area)}* · {track_name(program, g.track)}: {g.total} · "
            + standing_counts(g.counts)
            for g in status.groups
        ]
        blocks += [divider(), section("*By program area and track*")]
        blocks += _sections(group_lines)
    if status.completion:
        lines = [
            f"`{row.percent:>3}%` {row.title} (due {human_date(row.due, status.today)}): "
            f"{row.done} of {row.total}"
            for row in status.completion
        ]
        blocks += [divider(), section("*Deliverables due so far*")]
        blocks += _sections(lines)
    blocks.append(
        context(
            "Silent, behind and at risk count each team once, the first that applies. "
            "`/mentor overdue` lists every late step; `/mentor report` sends the spreadsheet."
        )
    )
    return title, _fit(blocks)


def counting_message(what: str, teams: int, to_count: int) -> Message:
    """The placeholder of a program-wide answer posted once counted; it says when every
    standing is to be counted first (a new day or a new release), which takes longer."""
    text = f"Counting {what} over {teams:,} teams…"
    if to_count > COUNTED_AT_ONCE:
        text += (
            f" {to_count:,} of their standings are brought up to date first (once a day, and "
            "after an update), which can take a minute: the answer appears here when it is done."
        )
    else:
        text += " the answer appears here shortly."
    return text, [section(text)]


def team_line(program: Program, team: TeamStanding, today: date) -> str:
    late = team.overdue
    line = (
        f"{ICONS[team.standing]} <@{team.mentor}> mentoring <@{team.protege}> · "
        f"{area_name(program, team.area)}, {track_name(program, team.track)}: "
        f"*{team.standing}*, {team.done} of {team.required} done"
    )
    if late:
        line += f", {len(late)} past its date"
    return line + f" · last activity {human_date(team.last_activity, today)}"


def overdue_message(
    program: Program,
    overdue: Sequence[OverdueItem] | OverdueList,
    today: date,
    room: OverdueRoom | None = None,
) -> Message:
    """Every overdue step, by advisor, most late first (as many as a message holds); with the
    room the steps were read through, whose lines are made already."""
    found = overdue if isinstance(overdue, OverdueList) else OverdueList.of(overdue)
    if not found.total:
        text = "Nothing is overdue. Every team is up to date with its calendar."
        return text, [section(f"✅ {text}")]
    title = f"Overdue steps: {found.total}"
    lines = (room or OverdueRoom()).lines_of(found)
    return title, _fit(_overdue_blocks(found, title, lines))


# No step's line is shorter than this (ids and title of one character): a section holds at
# most `_LINES_PER_SECTION` of them, which bounds the steps worth reading for a message.
_SHORTEST_LINE = len("• *1 day late* · x · <@U> and <@U> · with <@U>")
_LINES_PER_SECTION = (SECTION_TEXT_MAX + 1) // (_SHORTEST_LINE + 1)


class OverdueRoom:
    """Asked as steps are read, advisor by advisor: how many more steps a message of them
    could show at most (0: it is full; more steps, of the next advisors, would come after the
    cut). Each step's line is made once, and each advisor's sections packed once."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._groups: dict[str | None, list[str]] = {}
        self._blocks: dict[str | None, int] = {}  # an advisor's heading and sections

    def lines_of(self, found: OverdueList) -> list[str]:
        new = found.items[len(self.lines) :]
        for item in new:
            line = overdue_line(item)
            self.lines.append(line)
            self._groups.setdefault(item.advisor, []).append(line)
        for advisor in {item.advisor for item in new}:
            self._blocks[advisor] = 1 + len(_sections(self._groups[advisor]))
        return self.lines

    def __call__(self, found: OverdueList) -> int:
        self.lines_of(found)
        # The message's blocks so far: its header, each advisor's, and the closing context.
        used = 1 + sum(self._blocks.values()) + 1
        if used >= MESSAGE_BLOCKS:
            return 0
        # The next advisor's heading is shown, and as many sections as are left before the
        # cut; one line more than those could hold shows where the last of them ends.
        shown = MESSAGE_BLOCKS - 1 - used
        return max(0, shown) * _LINES_PER_SECTION + 1


def _overdue_blocks(found: OverdueList, title: str, lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = [header(title)]
    by_advisor: dict[str | None, list[str]] = {}
    for item, line in zip(found.items, lines, strict=True):
        by_advisor.setdefault(item.advisor, []).append(line)
    for advisor, group in by_advisor.items():
        who = f"<@{advisor}>" if advisor else "no content advisor"
        steps = found.per_advisor.get(advisor, len(group))
        blocks.append(section(f"*Teams of {who}* ({steps} step{_s(steps)})"))
        blocks += _sections(group)
    blocks.append(context("Each step is listed with whose move it is. `/mentor report` has all."))
    return blocks


def overdue_line(item: OverdueItem) -> str:
    if item.responsible:
        whose = "with " + " and ".join(f"<@{p}>" for p in item.responsible)
    elif item.waiting_on:
        whose = "waits for the step before it"
    else:
        whose = "with the team"
    return (
        f"• *{item.days_late} day{_s(item.days_late)} late* · {item.title} · "
        f"<@{item.mentor}> and <@{item.protege}> · {whose}"
    )


def completers_message(
    program: Program,
    teams: Sequence[TeamPeople],
    eligible: int,
    today: date | None = None,
    final_on: date | None = None,
) -> Message:
    """Teams that completed every required deliverable, by advisor (April's list). Before
    `final_on` the list is "so far": deliverables are still due, so it declares no one."""
    early = final_on is not None and today is not None and today < final_on
    wait = (
        f"The list is final on {human_date(final_on, today)}, once every deliverable's date "
        "has passed (the April Communication Log included)."
        if early and final_on is not None
        else ""
    )
    if not teams:
        text = f"No team has completed every required deliverable yet (of {eligible})."
        return text, [section(text), *([context(wait)] if wait else [])]
    title = f"Program completers{' so far' if early else ''}: {len(teams)} of {eligible}"
    blocks: list[Block] = [header(title)]
    if wait:
        blocks.append(context(wait))
    by_advisor: dict[str | None, list[TeamPeople]] = {}
    for team in teams:
        by_advisor.setdefault(team.advisor, []).append(team)
    for advisor, group in sorted(by_advisor.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        who = f"<@{advisor}>" if advisor else "no content advisor"
        blocks.append(section(f"*Teams of {who}* ({len(group)})"))
        blocks += _sections(
            [
                f"• <@{t.mentor}> mentoring <@{t.protege}> · {area_name(program, t.area)}, "
                f"{track_name(program, t.track)}"
                for t in group
            ]
        )
    blocks.append(context("Completers finished every required deliverable of their track."))
    return title, _fit(blocks)


def unknown_scope_message(program: Program, word: TypedText) -> Message:
    areas = ", ".join(f"`{a.id}` ({a.name})" for a in program.areas)
    text = (
        f"I don't know an area or person called `{word[:40].mrkdwn()}`. Try `/mentor status "
        f"@someone` or one of the program areas: {areas}."
    )
    return text, [section(text)]


def no_teams_message(user: str) -> Message:
    text = f"<@{user}> is not on a mentoring team and advises none this year."
    return text, [section(text)]


def _worst_first(status: ProgramStatus) -> list[TeamStanding]:
    rank = {s: i for i, s in enumerate((SILENT, BEHIND, AT_RISK, ON_TRACK))}
    return sorted(status.teams, key=lambda t: (rank[t.standing], t.team_id))


def _sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000 characters allow."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        line = line[: SECTION_TEXT_MAX - 1]
        if chunk and len(chunk) + len(line) + 1 > SECTION_TEXT_MAX:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def _fit(blocks: list[Block]) -> list[Block]:
    if len(blocks) <= MESSAGE_BLOCKS:
        return blocks
    kept = blocks[: MESSAGE_BLOCKS - 1]
    return kept + [
        context("There is more than one message holds: `/mentor report` sends the whole list.")
    ]


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def semester_messages(
    program_name: str, label: str, items: Sequence[TeamProgress], per_message: int = 40
) -> list[Message]:
    """The advisor's semester progress notes, one section per team, ready to forward; split
    over several messages when one would hold too many blocks."""
    parts = [items[i : i + per_message] for i in range(0, len(items), per_message)] or [[]]
    out = []
    for n, part in enumerate(parts, start=1):
        more = f" (part {n} of {len(parts)})" if len(parts) > 1 else ""
        text = f"Semester progress for building administrators: {label}{more}"
        blocks: list[Block] = [
            section(
                f"*{text}*\nBelow is a short completion-only note per team, written to forward "
                "to the protégé's building administrator. It names program steps, never what "
                "was said: mentoring is confidential and is not an evaluation."
            )
        ]
        blocks += [section(semester_note(program_name, label, item)) for item in part]
        out.append((text, _fit(blocks)))
    return out


def semester_note(program_name: str, label: str, item: TeamProgress) -> str:
    if item.admin_name or item.admin_email:
        # The advisor forwards this note: the administrator's name and e-mail are the
        # protégé's typing, shown escaped (and the e-mail linked only when it is one).
        to = " ".join(
            x
            for x in (item.admin_name.mrkdwn(), item.admin_email and item.admin_email.mailto())
            if x
        )
    else:
        to = "_not on the Contact Form yet: ask the protégé for their administrator_"
    name = item.protege_name.mrkdwn() or "The protégé"
    lines = [
        f"*<@{item.protege}>* ({item.area}, {item.track}) · to: {to}",
        f"> {name}, {program_name}: {item.done} of {item.due} steps done by the {label} "
        "progress date.",
    ]
    if item.completion:
        lines.append("> " + " · ".join(item.completion))
    return "\n".join(lines)
