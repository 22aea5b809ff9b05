"""The stand-in refuses what Slack refuses, answers with Slack's error, and fails the test that
sent it; and it wakes a waiting test as soon as a call arrives."""

from __future__ import annotations

import threading

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import actions, button, input_block, modal, section
from tests.block_kit import answer_problems, assert_answer_valid
from tests.slack_standin import Server, SlackStandIn


@pytest.fixture
def client(standin) -> WebClient:
    _, url = standin
    return WebClient(token="xoxb-test-token", base_url=url)


def _refused(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as refused:
        call()
    return refused.value


def _only_violation(fake: SlackStandIn, method: str, wanted: str) -> None:
    [violation] = fake.take_violations()
    assert violation.method == method
    assert any(wanted in problem for problem in violation.problems), violation


def _text_input() -> dict:
    return {"type": "plain_text_input", "action_id": "text"}


def test_two_buttons_with_one_action_id_in_a_block_are_refused(standin, client) -> None:
    fake, _ = standin
    row = {"type": "actions", "elements": [button("One", "same", "1"), button("Two", "same", "2")]}
    error = _refused(lambda: client.chat_postMessage(channel="U0ONE", text="t", blocks=[row]))
    assert error.response.status_code == 200
    assert error.response.data == {"ok": False, "error": "invalid_blocks"}
    _only_violation(fake, "chat.postMessage", "action_id 'same' is used twice in one block")
    assert fake.posted == []  # Slack kept nothing


def test_the_blocks_helper_numbers_a_repeated_action_id(standin, client) -> None:
    fake, _ = standin
    row = actions(button("One", "same", "1"), button("Two", "same", "2"))
    assert client.chat_postMessage(channel="U0ONE", text="t", blocks=[row])["ok"]
    assert fake.violations == []


def test_one_block_id_twice_in_a_view_is_refused(standin, client) -> None:
    fake, _ = standin
    view = {"type": "home", "blocks": [section("a", block_id="x"), section("b", block_id="x")]}
    error = _refused(lambda: client.views_publish(user_id="U0ONE", view=view))
    assert error.response["error"] == "invalid_arguments"
    assert any(
        "block_id 'x' is used twice" in m for m in error.response["response_metadata"]["messages"]
    )
    _only_violation(fake, "views.publish", "block_id 'x' is used twice")


def test_51_blocks_in_a_message_are_refused(standin, client) -> None:
    fake, _ = standin
    blocks = [section(f"line {n}") for n in range(51)]
    assert _refused(lambda: client.chat_postMessage(channel="U0ONE", text="t", blocks=blocks))
    _only_violation(fake, "chat.postMessage", "at most 50 blocks")
    assert client.chat_postMessage(channel="U0ONE", text="t", blocks=blocks[:50])["ok"]


def test_a_25_character_modal_title_is_refused(standin, client) -> None:
    fake, _ = standin
    view = modal("cb", "T", [input_block("note", "Note", _text_input())])
    view["title"]["text"] = "x" * 25
    error = _refused(lambda: client.views_open(trigger_id="1.2.3", view=view))
    assert error.response["error"] == "invalid_arguments"
    _only_violation(fake, "views.open", "title must be between 1 and 24 characters")
    view["title"]["text"] = "x" * 24
    assert client.views_open(trigger_id="1.2.4", view=view)["ok"]


@pytest.mark.parametrize(
    "block, wanted",
    [
        ({"type": "section", "text": "a bare string"}, "not a valid section block at /text"),
        ({"type": "section"}, "text or fields attribute must be specified"),
        ({"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}}, "unknown block type"),
        (
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"},
            "not a valid section block at /colour",
        ),
        ({"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}, "150"),
    ],
    ids=["bare-text", "no-text", "unknown-type", "unknown-key", "long-header"],
)
def test_an_invalid_block_shape_is_refused(standin, client, block, wanted) -> None:
    fake, _ = standin
    assert _refused(lambda: client.chat_update(channel="U0ONE", ts="1.2", text="t", blocks=[block]))
    _only_violation(fake, "chat.update", wanted)


def test_other_published_limits(standin, client) -> None:
    fake, _ = standin
    checks = [{"value": str(n), "text": {"type": "plain_text", "text": "x"}} for n in range(11)]
    long_option = [{"value": "v" * 151, "text": {"type": "plain_text", "text": "x"}}]
    long_text = {"type": "plain_text", "text": "x" * 76}
    cases = [
        # Raw blocks: the helpers in bot.slack.blocks cut text to Slack's lengths.
        ({"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}, "3000"),
        ({"type": "actions", "elements": [{**button("B", "a"), "text": long_text}]}, "75"),
        (actions(*(button(str(n), f"b{n}") for n in range(26))), "25"),
        (input_block("c", "C", {"type": "checkboxes", "action_id": "c", "options": checks}), "10"),
        (
            input_block(
                "s", "S", {"type": "static_select", "action_id": "s", "options": long_option}
            ),
            "150",
        ),
    ]
    for block, wanted in cases:
        view = modal("cb", "Title", [block])
        assert _refused(lambda view=view: client.views_push(trigger_id="1.2.3", view=view))
        _only_violation(fake, "views.push", wanted)


def test_message_text_over_40000_characters_is_refused(standin, client) -> None:
    fake, _ = standin
    error = _refused(
        lambda: client.chat_postEphemeral(channel="C0", user="U0ONE", text="x" * 40001)
    )
    assert error.response["error"] == "msg_too_long"
    _only_violation(fake, "chat.postEphemeral", "text is over 40000")


def test_closing_fails_while_a_refusal_is_untaken() -> None:
    fake = SlackStandIn()
    server = Server(fake)
    client = WebClient(token="xoxb-test-token", base_url=server.url)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="U0ONE", text="t", blocks=[{"type": "section"}])
    with pytest.raises(AssertionError, match="Slack would refuse 1 payload"):
        server.close()


def test_an_answer_over_http_is_checked_too() -> None:
    bad_view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    with pytest.raises(AssertionError, match="title"):
        assert_answer_valid({"response_action": "update", "view": bad_view})
    submitted = modal("cb", "Form", [section("intro", block_id="intro")])
    submitted["blocks"].append(input_block("note", "Note", _text_input()))
    assert (
        answer_problems({"response_action": "errors", "errors": {"note": "Say more."}}, submitted)
        == []
    )
    [problem] = answer_problems({"response_action": "errors", "errors": {"intro": "x"}}, submitted)
    assert "no input block" in problem
    with pytest.raises(AssertionError, match="at most 50 blocks"):
        assert_answer_valid({"text": "t", "blocks": [section("x")] * 51})


def test_wait_for_returns_a_call_made_meanwhile_and_nothing_when_none_comes(
    standin, client
) -> None:
    fake, _ = standin
    waiting = threading.Event()

    def later() -> None:
        waiting.wait(5)
        client.auth_test()

    threading.Thread(target=later).start()
    waiting.set()
    assert len(fake.wait_for("auth.test", 1, timeout=30)) == 1
    assert fake.wait_for("users.info", 1, timeout=0.1) == []
