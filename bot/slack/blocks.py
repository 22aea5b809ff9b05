"""Small Block Kit constructors shared by the view builders, with Slack's limits applied."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.slack.text import TypedText

Block = dict[str, Any]

MODAL_TITLE_MAX = 24
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
SECTION_TEXT_MAX = 3000


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    """Plain text, which Slack shows literally: typed text goes in as typed."""
    shown = text.raw() if isinstance(text, TypedText) else text
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return {"type": "plain_text", "text": shown, "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """mrkdwn text; typed text handed over whole is escaped (bot.slack.text)."""
    shown = text.mrkdwn() if isinstance(text, TypedText) else text
    return {"type": "mrkdwn", "text": shown[:SECTION_TEXT_MAX]}


def section(
    text: str, accessory: dict[str, Any] | None = None, block_id: str | None = None
) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style in ("primary", "danger"):
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    """A row of elements. Slack refuses a block where two elements share an action_id, so a
    repeated one is numbered (`exp_submit_open`, `exp_submit_open#2`, …); its listener
    matches every number with `numbered(action_id)`."""
    seen: dict[str, int] = {}
    row = []
    for element in elements:
        action_id = element.get("action_id")
        if action_id is not None:
            seen[action_id] = seen.get(action_id, 0) + 1
            if seen[action_id] > 1:
                element = {**element, "action_id": f"{action_id}#{seen[action_id]}"}
        row.append(element)
    block: Block = {"type": "actions", "elements": row}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def numbered(action_id: str) -> re.Pattern[str]:
    """Matches `action_id` and its numbered repeats in one row (see `actions`), for
    `app.action(...)`."""
    return re.compile(rf"^{re.escape(action_id)}(#\d+)?$")


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"text": plain(text, OPTION_TEXT_MAX), "value": value}
    if description:
        item["description"] = plain(description, OPTION_TEXT_MAX)
    return item


def static_select(
    action_id: str, options: list[dict[str, Any]], selected: str | None = None
) -> dict[str, Any]:
    """A dropdown, with the option whose value is `selected` chosen (when there is one)."""
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": options}
    initial = next((o for o in options if o["value"] == selected), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def links_blocks(links: Sequence[tuple[str, str]]) -> list[Block]:
    """A form's documents, (title, url) from the program file: a template, an example."""
    if not links:
        return []
    return [section("*For this form:* " + " · ".join(f"<{url}|{title}>" for title, url in links))]


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = "Submit",
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    if len(private_metadata) > 3000:
        raise ValueError("private_metadata is over Slack's 3,000 characters")
    if len(blocks) > 100:
        raise ValueError("a modal holds at most 100 blocks")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain(close, MODAL_TITLE_MAX),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    return view
