"""Which program files staff may open as the next year from Slack.

Slack never names a path: staff pick among the files the deployment offers, which are the
`.toml` files in the folder of the configured program file (`MENTORBOT_PROGRAM`: where an
operator puts next year's, written by `mentorbot program roll`) and the shipped ones. Of
those, a file that loads is offered when its year starts after the current one's; a file
that does not load is listed with why, so a bad file is seen, not silently left out. A pick
comes back as the program's id, checked against the same list when it is acted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.program import Program, ProgramError, default_program_path, load_program


@dataclass(frozen=True)
class Offered:
    path: Path
    program: Program | None  # None when the file does not load
    problem: str | None = None  # why not, one line naming the file by its name only

    @property
    def name(self) -> str:
        return self.path.name


def offered_files(configured: Path | None, current: Program) -> list[Offered]:
    folders = [configured.parent] if configured is not None else []
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
        if program.id != current.id and program.start > current.start:
            offered.append(Offered(path, program))
    return offered


def find_offered(offered: list[Offered], program_id: str) -> Offered | None:
    return next((o for o in offered if o.program is not None and o.program.id == program_id), None)
