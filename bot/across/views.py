"""One answer across several programs: a part for each, under the program's name (staff's
answers across every program; a person's own answer from each of theirs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.program import Program
from bot.slack.blocks import context, divider, header, section

Block = dict[str, Any]
Message = tuple[str, list[Block]]
MESSAGE_BLOCKS = 50  # Slack's limit for a message
TEXT_MAX = 3000  # the notification text: a summary, the detail is in the blocks


def across_message(
    title: str,
    command: str,
    parts: Sequence[tuple[Program, Message]],
    teams: Mapping[str, int] | None = None,
) -> Message:
    """`title` across every program: a first line with each program's active teams (when
    `teams` counts them) and how to ask for one, then each program's own answer under its
    name (its own heading left out), cut to fit one message with a pointer to the rest."""
    keys = ", ".join(f"`{program.id}`" for program, _ in parts)
    first = f"*{len(parts)} programs*"
    if teams is not None:
        total = sum(teams.values())
        counts = " · ".join(f"{p.name}: {teams.get(p.id, 0)}" for p, _ in parts)
        first = f"*{total} team{'' if total == 1 else 's'} in {len(parts)} programs*  {counts}"
    blocks: list[Block] = [
        header(title[:150]),
        section(first),
        context(f"One program: `/mentor {command} --program KEY` ({keys})."),
    ]
    share = (MESSAGE_BLOCKS - len(blocks)) // max(len(parts), 1)
    texts = [title]
    for program, (text, own) in parts:
        body = own[1:] if own and own[0].get("type") == "header" else own
        room = share - 2  # the divider and the program's name
        if len(body) > room:
            more = f"More of {program.name}: `/mentor {command} --program {program.id}`."
            body = body[: room - 1] + [context(more)]
        blocks += [divider(), section(f"*{program.name}*"), *body]
        texts.append(f"{program.name}: {text}")
    return "\n".join(texts)[:TEXT_MAX], blocks


def each_named(parts: Sequence[tuple[Program, Message]]) -> Message:
    """A person's own answer from each of their programs (`lookup.member_programs`): the one
    as it is; several each under its program's name."""
    if len(parts) == 1:
        return parts[0][1]
    text = " · ".join(f"{program.name}: {text}" for program, (text, _) in parts)
    blocks = [b for program, (_, own) in parts for b in (context(f"*{program.name}*"), *own)]
    return text, blocks
