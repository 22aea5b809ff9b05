"""The shipped program with every deadline and rule id renamed, for tests that prove the code
knows deadlines by their steps and never by the file's ids.

`MENTORBOT_TEST_RENAMED_IDS=1` makes the suite's `program` fixture load this copy, so the whole
suite can be run against it.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from bot.program import default_program_path

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
