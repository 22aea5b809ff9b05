"""The year-two welcome: what a continuing team reads when its second year opens (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.program import Deadline
from bot.slack.blocks import Block, button, context, modal, section
from bot.status.progress import PROGRESS_OPEN
from bot.teams.welcome import first_deadlines_block


def year_two_welcome(
    role: str,
    *,
    mentor: str,
    protege: str,
    program_name: str,
    school_year: str,
    track_name: str,
    new_steps: Sequence[str],
    first_deadlines: Sequence[Deadline],
    names: Mapping[str, str],
    forms_at_meetings: Mapping[str, Sequence[str]],
    today: date,
) -> tuple[str, list[dict[str, Any]]]:
    """`new_steps`: the names of the steps the track asks for that the year before did not;
    `names`: the bot's name of each first deadline, by id."""
    if role == "mentor":
        text = f"Welcome back to the {program_name}! You continue mentoring <@{protege}>."
    elif role == "protege":
        text = f"Welcome back to the {program_name}! <@{mentor}> continues as your mentor."
    else:
        text = f"<@{mentor}> and <@{protege}> continue into {track_name}, with you as advisor."
    blocks: list[dict[str, Any]] = [
        section(
            f"*{text}*\n{school_year}: {track_name}. Last year's records stay readable: add "
            "`--year` to `/mentor logs`, `team` or `status`."
        )
    ]
    if new_steps:
        lines = "\n".join(f"• {name}" for name in new_steps)
        blocks.append(section(f"*New in {track_name}*\n{lines}"))
    if first_deadlines:
        blocks.append(first_deadlines_block(first_deadlines, names, forms_at_meetings, today))
    blocks.append(
        context("Type `/mentor progress` for this year's steps, `/mentor help` for the rest.")
    )
    return text, blocks


@dataclass(frozen=True)
class EarlierTeam:
    school_year: str
    team_id: int
    mentor: str  # Slack ids
    protege: str


def earlier_years_blocks(teams: Sequence[EarlierTeam]) -> list[Block]:
    """The Home tab's way back to closed years: each earlier team's checklist, one click."""
    if not teams:
        return []
    blocks: list[Block] = [context("*Earlier years*: records stay, read-only.")]
    for team in teams:
        blocks.append(
            section(
                f"{team.school_year}: <@{team.mentor}> mentoring <@{team.protege}>",
                accessory=button(f"See {team.school_year}", PROGRESS_OPEN, str(team.team_id)),
            )
        )
    return blocks


# --- opening the next year from Slack (`/mentor year`) ---------------------------------------

YEAR_PREVIEW = "year_preview"  # a file's Preview button; its value is the program id
YEAR_OPEN_CALLBACK = "year_open"  # the preview modal: its submit opens the year
LISTED_MAX = 15  # lines of one list in the preview; the command line lists them all


@dataclass(frozen=True)
class OfferedFile:
    name: str  # the file's name, never its path
    program_id: str | None  # None: the file does not load
    school_year: str = ""
    start: date | None = None
    problem: str | None = None
    follows: str | None = None  # the program it is the next year of (when several run)


def offered_message(files: Sequence[OfferedFile], current_year: str) -> tuple[str, list[Block]]:
    """`/mentor year`: the next year's files staff may preview, each with its button."""
    text = f"Open the next school year after {current_year}: preview a program file first."
    blocks: list[Block] = [section(f"*{text}*")]
    for offered in files:
        if offered.program_id is None:
            blocks.append(section(f"`{offered.name}` cannot be opened: {offered.problem}"))
            continue
        starts = f", starts {offered.start:%b %-d, %Y}" if offered.start else ""
        after = f", the next year of the {offered.follows}" if offered.follows else ""
        blocks.append(
            section(
                f"`{offered.name}`: {offered.school_year} (`{offered.program_id}`){starts}{after}",
                accessory=button(
                    f"Preview {offered.school_year}", YEAR_PREVIEW, offered.program_id
                ),
            )
        )
    if not any(f.program_id for f in files):
        blocks.append(
            section(
                "No program file for a later year is offered. Write it with `mentorbot program "
                "roll FILE --to YYYY-YY` and put it beside the current one (the folder of "
                "MENTORBOT_PROGRAM)."
            )
        )
    blocks.append(context("Nothing changes until you confirm in the preview."))
    return text, blocks


@dataclass(frozen=True)
class PlannedTeam:
    team_id: int
    mentor: str  # Slack ids
    protege: str
    area: str
    track: str  # the track it is in, or goes into (carried)
    why: str = ""  # why it is not carried


@dataclass(frozen=True)
class YearPreview:
    file: str  # the file's name
    program_id: str
    school_year: str
    old_year: str
    carry: Sequence[PlannedTeam]
    carried_earlier: int
    left: Sequence[PlannedTeam]
    finished: int
    completers: Sequence[tuple[str, Sequence[PlannedTeam]]]  # (track name, its completers)
    opened_on: date | None  # when it was opened already

    def already(self, then: str) -> str | None:
        """When opening changes nothing (opened before, nothing left to carry): saying so."""
        if self.opened_on is None or self.carry:
            return None
        return f"*{self.school_year} was opened on {self.opened_on:%b %-d, %Y}*: {then}"


def year_preview_modal(preview: YearPreview, metadata: str) -> dict[str, Any]:
    """What opening the year does, before it is done: its submit does it."""
    p = preview
    head = p.already("nothing to change.") or (
        f"*Opening {p.school_year} (`{p.program_id}`, from `{p.file}`) after {p.old_year}.* "
        "Nothing is changed until you press the button below."
    )
    blocks: list[Block] = [section(head)]
    blocks.append(_listed(f"Carry into {p.school_year}", p.carry, _pair))
    if p.carried_earlier:
        blocks.append(context(f"Carried earlier: {p.carried_earlier} team(s)."))
    blocks.append(_listed("Not carried, for staff to look at", p.left, _why))
    blocks.append(context(f"Finished the program's last track in {p.old_year}: {p.finished}"))
    for track, found in p.completers:
        blocks.append(_listed(f"Completers of {track} in {p.old_year}", found, _pair))
    blocks.append(
        context(
            f"{p.old_year} is then closed: its teams are read-only, their records readable "
            f"with `--year {p.old_year}`. Continuing teams get a year-two welcome once the bot "
            f"runs `{p.file}` (MENTORBOT_PROGRAM, then a restart)."
        )
    )
    opening = p.already("") is None
    return modal(
        YEAR_OPEN_CALLBACK,
        "Open the next year",
        blocks,
        submit=f"Open {p.school_year}" if opening else None,
        close="Cancel" if opening else "Close",
        private_metadata=metadata,
    )


def year_opened_modal(preview: YearPreview) -> dict[str, Any]:
    """After the submit: what was done (or that it had been, when it was opened already)."""
    p = preview
    done = p.already("nothing more changed.") or (
        f"*{p.school_year} is open.* {len(p.carry)} team(s) carried into it; "
        f"{p.old_year} is closed and its records kept."
    )
    blocks: list[Block] = [
        section(done),
        section(
            f"Next: set MENTORBOT_PROGRAM to `{p.file}` and restart the bot (every process). "
            "The carried teams' welcomes go out with the first tick on the new file."
        ),
    ]
    if p.left:
        blocks.append(_listed("Not carried, for staff to look at", p.left, _why))
    return modal("year_opened", "Next year opened", blocks, submit=None, close="Done")


def _listed(title: str, teams: Sequence[PlannedTeam], line: Callable[[PlannedTeam], str]) -> Block:
    lines = [f"• {line(team)}" for team in teams[:LISTED_MAX]]
    if len(teams) > LISTED_MAX:
        lines.append(f"…and {len(teams) - LISTED_MAX} more (`mentorbot year open FILE` lists all)")
    body = "\n".join(lines) if lines else "none"
    return section(f"*{title}* ({len(teams)})\n{body}")


def _pair(team: PlannedTeam) -> str:
    pair = f"<@{team.mentor}> mentoring <@{team.protege}>"
    return f"team {team.team_id} ({team.area}, {team.track}): {pair}"


def _why(team: PlannedTeam) -> str:
    return f"{_pair(team)}: {team.why}"
