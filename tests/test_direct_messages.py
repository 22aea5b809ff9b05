"""A DM typed to the bot gets one answer: nobody reads it here, the person's next step with
its button, and who their content advisor is; the bot never answers itself or an edit."""

from __future__ import annotations

import json

from tests.conftest import SIGNING_SECRET, STAFF
from tests.signing import post_event
from tests.test_experiences_domain import ADVISOR, MENTOR, PROTEGE, make_team
from tests.test_home import served  # noqa: F401  (the fixture)

STRANGER = "U0STRANGER"


def typed(base: str, user: str | None, **extra) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "D0DM", "text": "hi?", **extra}
    if user is not None:
        event["user"] = user
    assert post_event(base, SIGNING_SECRET, event) == 200


def test_a_member_is_told_their_next_step_and_their_advisor(served, program) -> None:  # noqa: F811
    base, services, fake = served
    make_team(services.sessions, program)
    typed(base, PROTEGE)
    (answer,) = [c.params for c in fake.wait_for("chat.postMessage", 1)]
    assert answer["channel"] == PROTEGE
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "nobody reads messages sent here" in answer["text"]
    assert f"With <@{MENTOR}>, your next step:" in shown
    assert f"your content advisor, <@{ADVISOR}>" in shown
    pressed = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    # On Oct 1 the protégé's earliest open step is the Contact Form, which needs no team id.
    assert [(e["action_id"], e.get("value", "")) for e in pressed] == [("contact_open", "")]
    assert "Mentor/Protégé Contact Form" in shown


def test_someone_on_no_team_is_told_who_can_add_them(served) -> None:  # noqa: F811
    base, services, fake = served
    typed(base, STRANGER)
    (answer,) = [c.params for c in fake.wait_for("chat.postMessage", 1)]
    assert answer["channel"] == STRANGER
    assert f"Ask <@{STAFF}> to add you" in json.dumps(answer["blocks"])


def test_the_bots_own_messages_and_edits_get_no_answer(served, program) -> None:  # noqa: F811
    base, services, fake = served
    make_team(services.sessions, program)
    typed(base, MENTOR, bot_id="B0BOT")
    typed(base, MENTOR, subtype="message_changed")
    typed(base, None, subtype="bot_message", bot_id="B0BOT")
    typed(base, MENTOR, channel_type="channel")
    typed(base, MENTOR)  # the one that is answered, last: the others had their turn
    answers = fake.wait_for("chat.postMessage", 1)
    assert [c.params["channel"] for c in answers] == [MENTOR]
