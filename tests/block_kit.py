"""Slack's checks on Block Kit payloads, for the stand-in and the tests that read HTTP answers.

Slack refuses a message (`invalid_blocks`) or a view (`invalid_arguments`) that breaks its
schema; the bot must never send one. Two layers check a payload here: slack_sdk's models
(`Block.parse`, `View`, `validate_json()` through `to_dict()`), and the rules slack_sdk does
not check. The limits and where they are published: Slack's reference pages for blocks (50
a message, 100 a view; 25 elements an actions block; block_id up to 255, unique in a
message), modal views (24-character title, submit and close; 3,000 of private_metadata;
callback_id 255) and checkboxes (10 options; action_id up to 255, unique in its block);
the other element and text limits as slack_sdk's models and Slack's text quoted in other
Block Kit libraries state them; 40,000 characters of message text from Slack's changelog.

A problem reads as Slack's own messages do: what is wrong, then `[json-pointer:/...]`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50  # "up to 50 blocks in each message"
MESSAGE_TEXT = 40_000  # Slack cuts or refuses (msg_too_long) longer text: the reader loses it
ID_LENGTH = 255  # callback_id, action_id, block_id
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100  # static_select, multi_static_select
CHOICE_OPTIONS = 10  # checkboxes, radio_buttons
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
INPUT_LABEL = 2000

# Chat methods whose payload is a message; views.* carry a view.
MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
)
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def message_problems(message: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a message (chat.* parameters or a response body)."""
    problems: list[str] = []
    text = message.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        problems.append(f"text is over {MESSAGE_TEXT} characters [json-pointer:/text]")
    blocks = message.get("blocks")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks must be an array [json-pointer:/blocks]"]
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"a message holds at most {MESSAGE_BLOCKS} blocks [json-pointer:/blocks]")
    return problems + blocks_problems(blocks, "/blocks")


def view_problems(view: Any) -> list[str]:
    """What Slack would refuse in a modal or Home tab view."""
    if not isinstance(view, dict):
        return ["view must be an object [json-pointer:/view]"]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["blocks must be an array [json-pointer:/view/blocks]"]
    # The model checks the type, 1 to 100 blocks, title, submit and close up to 24
    # characters, private_metadata up to 3,000, callback_id up to 255, a Home tab without
    # submit or close.
    problems = _sdk_problems(lambda: _view_shell(view, blocks).validate_json(), "/view")
    if view.get("type") == "modal":
        if "title" not in view:
            problems.append("a modal needs a title [json-pointer:/view/title]")
        if "submit" not in view and any(b.get("type") == "input" for b in blocks):
            problems.append("a modal with input blocks needs submit [json-pointer:/view/submit]")
    return problems + blocks_problems(blocks, "/view/blocks")


def errors_problems(view: dict[str, Any], errors: Any) -> list[str]:
    """`response_action: errors` names input blocks of the submitted view, a message each."""
    if not isinstance(errors, dict) or not errors:
        return ["errors must be a non-empty object [json-pointer:/errors]"]
    inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    return [
        f"errors names {key!r}, which is no input block of the view [json-pointer:/errors/{key}]"
        for key, message in errors.items()
        if key not in inputs or not isinstance(message, str)
    ]


def answer_problems(answer: Any, submitted: dict[str, Any] | None = None) -> list[str]:
    """What Slack would refuse in the app's HTTP answer: a slash command's message, or a
    view_submission's `response_action` (update or push a view, or errors on `submitted`)."""
    if not isinstance(answer, dict) or not answer:
        return []
    action = answer.get("response_action")
    if action in ("update", "push"):
        return view_problems(answer.get("view"))
    # Slack submits no view without blocks: a test that posts a stub view is not checked.
    if action == "errors" and submitted is not None and submitted.get("blocks"):
        return errors_problems(submitted, answer.get("errors"))
    if action is None and ("text" in answer or "blocks" in answer):
        return message_problems(answer)
    return []


def assert_answer_valid(answer: Any, submitted: dict[str, Any] | None = None) -> None:
    """Fails the test at once when the app answered Slack with something it would refuse."""
    problems = answer_problems(answer, submitted)
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise AssertionError(f"Slack would refuse the app's answer {answer!r}:\n{listed}")


def blocks_problems(blocks: list[Any], where: str) -> list[str]:
    """Each block through slack_sdk's model, then the rules it leaves out."""
    problems: list[str] = []
    seen: set[str] = set()
    for n, block in enumerate(blocks):
        at = f"{where}/{n}"
        if not isinstance(block, dict):
            problems.append(f"a block must be an object [json-pointer:{at}]")
            continue
        problems += _model_problems(block, at)
        problems += _block_rules(block, at)
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                problems.append(f"block_id {block_id!r} is used twice [json-pointer:{at}/block_id]")
            seen.add(block_id)
    return problems


def _view_shell(view: dict[str, Any], blocks: list[Any]) -> View:
    """The view's own fields as slack_sdk's model; its blocks are checked one by one, so the
    model only counts them instead of parsing them again."""
    shell = View(**{**view, "blocks": None})
    shell.blocks = blocks
    return shell


def _model_problems(block: dict[str, Any], at: str) -> list[str]:
    problem = _model_problem(json.dumps(block, sort_keys=True))
    return [] if problem is None else [f"{problem} [json-pointer:{at}]"]


@functools.lru_cache(maxsize=4096)
def _model_problem(block_json: str) -> str | None:
    """slack_sdk's validators (to_dict() runs them on every nested object), and whether the
    model reads the block back as sent: it drops what Slack's schema does not know and turns
    a bare string into a text object, both of which Slack refuses. Memoised: the app sends
    the same blocks again and again, and parsing is the slow part of the stand-in."""
    block = json.loads(block_json)
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return f"unknown block type {block.get('type')!r}"
        difference = _first_difference(block, parsed.to_dict())
    except Exception as error:  # any failure to build or validate is Slack's refusal
        return str(error)
    if difference is not None:
        return f"not a valid {block.get('type')} block at {difference}"
    return None


def _sdk_problems(check: Any, at: str) -> list[str]:
    try:
        check()
    except Exception as error:  # any failure to build or validate is Slack's refusal
        return [f"{error} [json-pointer:{at}]"]
    return []


def _first_difference(sent: Any, read: Any, path: str = "") -> str | None:
    """The first place where the model's reading differs from what was sent."""
    if isinstance(sent, dict) and isinstance(read, dict):
        for key in sent.keys() | read.keys():
            if key not in read or key not in sent:
                return f"{path}/{key}"
            found = _first_difference(sent[key], read[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(sent, list) and isinstance(read, list):
        if len(sent) != len(read):
            return path
        for n, (a, b) in enumerate(zip(sent, read, strict=True)):
            found = _first_difference(a, b, f"{path}/{n}")
            if found is not None:
                return found
        return None
    return None if sent == read else path or "/"


def _block_rules(block: dict[str, Any], at: str) -> list[str]:
    kind = block.get("type")
    problems = _too_long(block.get("block_id"), ID_LENGTH, "block_id", f"{at}/block_id")
    if kind == "section":
        problems += _too_long(_text_of(block.get("text")), SECTION_TEXT, "text", f"{at}/text")
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            problems.append(f"a section holds at most {SECTION_FIELDS} fields [json-pointer:{at}]")
        for n, item in enumerate(fields):
            problems += _too_long(_text_of(item), SECTION_FIELD_TEXT, "field", f"{at}/fields/{n}")
    elif kind == "header":
        problems += _too_long(_text_of(block.get("text")), HEADER_TEXT, "text", f"{at}/text")
    elif kind in ("context", "actions"):
        limit = CONTEXT_ELEMENTS if kind == "context" else ACTIONS_ELEMENTS
        if len(block.get("elements") or []) > limit:
            problems.append(f"{kind} holds at most {limit} elements [json-pointer:{at}/elements]")
    elif kind == "input":
        problems += _too_long(_text_of(block.get("label")), INPUT_LABEL, "label", f"{at}/label")
    seen: set[str] = set()
    for element, where in _elements(block, at):
        problems += _element_rules(element, where)
        action_id = element.get("action_id")
        if action_id is None:
            continue
        if action_id in seen:
            problems.append(
                f"action_id {action_id!r} is used twice in one block "
                f"[json-pointer:{where}/action_id]"
            )
        seen.add(action_id)
    return problems


def _elements(block: dict[str, Any], at: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The interactive elements of a block, with where each is."""
    if isinstance(block.get("accessory"), dict):
        yield block["accessory"], f"{at}/accessory"
    if isinstance(block.get("element"), dict):
        yield block["element"], f"{at}/element"
    if block.get("type") == "actions":
        for n, element in enumerate(block.get("elements") or []):
            if isinstance(element, dict):
                yield element, f"{at}/elements/{n}"


def _element_rules(element: dict[str, Any], at: str) -> list[str]:
    kind = element.get("type")
    problems = _too_long(element.get("action_id"), ID_LENGTH, "action_id", f"{at}/action_id")
    if kind == "button":
        problems += _too_long(_text_of(element.get("text")), BUTTON_TEXT, "text", f"{at}/text")
        problems += _too_long(element.get("value"), BUTTON_VALUE, "value", f"{at}/value")
    options = element.get("options") or []
    limit = {
        "static_select": SELECT_OPTIONS,
        "multi_static_select": SELECT_OPTIONS,
        "checkboxes": CHOICE_OPTIONS,
        "radio_buttons": CHOICE_OPTIONS,
    }.get(kind)
    if limit is not None and len(options) > limit:
        problems.append(f"{kind} holds at most {limit} options [json-pointer:{at}/options]")
    for n, item in enumerate(options):
        if isinstance(item, dict):
            where = f"{at}/options/{n}"
            problems += _too_long(_text_of(item.get("text")), OPTION_TEXT, "text", f"{where}/text")
            problems += _too_long(item.get("value"), OPTION_VALUE, "value", f"{where}/value")
    return problems


def _text_of(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        return item["text"]
    return None


def _too_long(value: Any, limit: int, name: str, at: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{name} is over {limit} characters [json-pointer:{at}]"]
    return []
