"""The tick's side of people's pace (bot/pace/rules.py says what each preference means)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from bot.pace.rules import is_away, send_from
from bot.program import Program
from bot.slack.dates import zone
from schedules.notice import Notice
from storage.pace import Pace


def paced(
    program: Program,
    notices: Sequence[Notice],
    paces: Mapping[str, Pace],
    now: datetime,
    urgent: Collection[str],
) -> list[Notice]:
    """The notices that may go now, an away advisor's alerts readdressed to their cover;
    the rest wait for a later tick. Urgent kinds and edits of a sent message never wait."""
    out: list[Notice] = []
    for notice in notices:
        pace = paces.get(notice.recipient)
        if pace is None or notice.kind in urgent or notice.edits:
            out.append(notice)
            continue
        local = now.astimezone(zone(notice.tz, program.tz))
        if is_away(pace, local.date()):
            if notice.item is not None and pace.cover and pace.cover != notice.recipient:
                out.append(dataclasses.replace(notice, recipient=pace.cover, tz=None))
            continue
        if local.time().replace(tzinfo=None) >= send_from(program, pace.delivery):
            out.append(notice)
    return out
