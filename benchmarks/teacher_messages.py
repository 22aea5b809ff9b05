"""A teacher's messages over the demo year, scheduled and triggered, counted the same way for
any version of the bot (issue 13's target: down by at least a third).

The demo (`mentorbot demo`) plays the year against a recording client, which every message
goes through, the tick's and those a person's action causes (a co-sign request, a "thanks,
received") alike. This script runs the demo and counts the `chat.postMessage` calls to each
demo teacher (a digest is one message, whatever it holds; an edit in place is none),
scheduled when the tick sent it, triggered otherwise. It relies only on what every version
has: `bot.demo.year` (`run_demo`, `TEAMS`, `tick`) and the recording client.

    python -m benchmarks.teacher_messages                 # this checkout
    python -m benchmarks.teacher_messages --at COMMIT     # another version, e.g. the last one
                                                          # before per-person digests: 92179ee

`--at` extracts that commit's tree into a temporary folder (`git archive`, the repository is
left as it is) and counts there, in a child process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROLES = ("mentor", "protégé")
KINDS = ("scheduled", "triggered")


def count_here() -> dict[str, Any]:
    """Run the demo of the code on `sys.path` and count each teacher's messages."""
    from bot.demo import year
    from bot.platform.slack_client import RecordingClient

    phase = ["triggered"]
    sent: list[tuple[str, str]] = []  # (channel, phase)
    record = RecordingClient.api_call

    def api_call(self: RecordingClient, api_method: str, **kwargs: Any) -> Any:
        if api_method == "chat.postMessage":
            params = {**(kwargs.get("params") or {}), **(kwargs.get("json") or {})}
            sent.append((str(params.get("channel")), phase[0]))
        return record(self, api_method, **kwargs)

    tick = year.tick

    def ticking(*args: Any, **kwargs: Any) -> Any:
        phase[0] = "scheduled"
        try:
            return tick(*args, **kwargs)
        finally:
            phase[0] = "triggered"

    RecordingClient.api_call = api_call  # type: ignore[method-assign]
    year.tick = ticking  # type: ignore[assignment]
    with contextlib.redirect_stdout(io.StringIO()):
        year.run_demo()
    teachers = {
        **{t.mentor.slack_id: ("mentor", t.mentor.name) for t in year.TEAMS},
        **{t.protege.slack_id: ("protégé", t.protege.name) for t in year.TEAMS},
    }
    per: Counter[tuple[str, str]] = Counter()  # (slack id, phase)
    for channel, kind in sent:
        if channel in teachers:
            per[(channel, kind)] += 1
    return {
        "teachers": [
            {"role": role, "name": name, **{kind: per[(slack_id, kind)] for kind in KINDS}}
            for slack_id, (role, name) in teachers.items()
        ]
    }


def count_at(commit: str) -> dict[str, Any]:
    """`count_here` in a child process, on `commit`'s tree."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="teacher-messages-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = {**os.environ, "PYTHONPATH": folder}
        env.pop("MENTORBOT_PROGRAM", None)  # each version's own shipped program
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--json"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def totals(counted: dict[str, Any]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for teacher in counted["teachers"]:
        for kind in KINDS:
            out[kind] += teacher[kind]
            out[f"{teacher['role']} {kind}"] += teacher[kind]
    out["all"] = out["scheduled"] + out["triggered"]
    out["teachers"] = len(counted["teachers"])
    return dict(out)


def table(columns: dict[str, dict[str, Any]]) -> str:
    """Markdown: one column per version counted, the change from the first to the last."""
    sums = {label: totals(counted) for label, counted in columns.items()}
    labels = list(columns)
    head = "| a teacher's messages over the demo year | " + " | ".join(labels)
    rows = [head + (" | change |" if len(labels) > 1 else " |")]
    rows.append("| --- |" + " ---: |" * (len(labels) + (len(labels) > 1)))
    lines = [(f"{role}s, {kind}", f"{role} {kind}") for role in ROLES for kind in KINDS]
    lines += [("scheduled", "scheduled"), ("triggered", "triggered"), ("**all**", "all")]
    for name, key in lines:
        cells = [sums[label].get(key, 0) for label in labels]
        row = f"| {name} | " + " | ".join(str(c) for c in cells)
        if len(labels) > 1:
            first, last = cells[0], cells[-1]
            row += f" | {round(100 * (last - first) / first) if first else 0:+d} %"
        rows.append(row + " |")
    per = [sums[label]["all"] / max(sums[label]["teachers"], 1) for label in labels]
    row = "| per teacher (mean) | " + " | ".join(f"{p:.1f}" for p in per)
    rows.append(row + (" | |" if len(labels) > 1 else " |"))
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", action="append", default=[], help="a commit to count too")
    parser.add_argument("--json", action="store_true", help="print this tree's count as JSON")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(count_here()))
        return 0
    columns = {commit: count_at(commit) for commit in args.at}
    columns["this checkout"] = count_here()
    print(table(columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
