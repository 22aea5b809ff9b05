"""The shipped program with every deadline and rule id renamed, for tests that prove the code
knows deadlines by their steps and never by the file's ids.

`MENTORBOT_TEST_RENAMED_IDS=1` makes the suite's `program` fixture load this copy, so the whole
suite can be run against it.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

from bot.program import Deadline, Program, default_program_path, load_program

RENAMED_ENV = "MENTORBOT_TEST_RENAMED_IDS"
_ID_LINE = re.compile(r'^(\[\[(?:deadlines|rules)\]\]\nid = )"[^"]+"', re.MULTILINE)


def renamed_text(text: str) -> str:
    """The file with each [[deadlines]] and [[rules]] id replaced by a meaningless one."""
    numbers = itertools.count(1)
    return _ID_LINE.sub(lambda m: f'{m[1]}"renamed-{next(numbers):02d}"', text)


def write_renamed(directory: Path) -> Path:
    path = directory / "renamed-ids.toml"
    shipped = default_program_path().read_text(encoding="utf-8")
    path.write_text(renamed_text(shipped), encoding="utf-8")
    return path


# Tests written against the shipped file's ids name steps by those ids; these translate, so
# the same tests hold for a renamed copy.


@functools.cache
def _shipped_ids() -> dict[tuple[str, str], str]:
    shipped = load_program()
    return {(d.track, d.key): d.id for t in shipped.tracks for d in shipped.deadlines(t.id)}


def shipped_id(deadline: Deadline) -> str:
    """The shipped file's id for this deadline's step (its own id where the file has none)."""
    return _shipped_ids().get((deadline.track, deadline.key), deadline.id)


def program_id(program: Program, track: str, shipped: str) -> str:
    """The id `program` gives the step that the shipped file calls `shipped`."""
    key = next(k for (t, k), i in _shipped_ids().items() if (t, i) == (track, shipped))
    return next(d.id for d in program.deadlines(track) if d.key == key)
