"""Which program files staff may open as the next year from Slack.

Slack never names a path: staff pick among the files the deployment offers, which are the
`.toml` files in the folder of the configured program file (`MENTORBOT_PROGRAM`: where an
operator puts next year's, written by `mentorbot program roll`; with several programs, each
one's folder) and the shipped ones. Of those, a file that loads is offered as the next year
of the running program of its series (`Program.series`) when its year starts after that
program's; a file that does not load is listed with why, so a bad file is seen, not silently
left out. A pick comes back as the program's id, checked against the same list when it is
acted on. A deployment running BMIT and FCS is never offered FCS's next year as BMIT's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.program import Program, ProgramError, default_program_path, load_program


@dataclass(frozen=True)
class Offered:
    path: Path
    program: Program | None  # None when the file does not load
    problem: str | None = None  # why not, one line naming the file by its name only
    follows: Program | None = None  # the running program whose next year it is

    @property
    def name(self) -> str:
        return self.path.name


def offered_files(configured: Sequence[Path], running: Sequence[Program]) -> list[Offered]:
    """The files in the folders of the `configured` program files and the shipped folder."""
    folders = [path.parent for path in configured]
    folders.append(default_program_path().parent)
    seen: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            seen.setdefault(path.name, path)  # the configured folder's copy first
    offered = []
    for name, path in sorted(seen.items()):
        try:
            program = load_program(path)
        except ProgramError as exc:  # the message names the file: by its name, not its path
            offered.append(Offered(path, None, str(exc).replace(str(path), name)))
            continue
        follows = year_before(program, running)
        if follows is not None:
            offered.append(Offered(path, program, follows=follows))
    return offered


def year_before(new: Program, running: Sequence[Program]) -> Program | None:
    """The running program `new` would be the next year of: of its series, the latest that
    starts before it (two years of one series may run side by side)."""
    earlier = [p for p in running if p.series == new.series and p.id != new.id]
    return max((p for p in earlier if p.start < new.start), key=lambda p: p.start, default=None)


def find_offered(offered: list[Offered], program_id: str) -> Offered | None:
    return next((o for o in offered if o.program is not None and o.program.id == program_id), None)
