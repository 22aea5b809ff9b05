"""The listener kit's value types: typed text rendered per sink, and the one metadata model."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.access import Refusal
from bot.slack.fields import ID_MAX, text
from bot.slack.metadata import METADATA_MAX, Metadata
from bot.slack.text import TypedText


@given(st.text())
def test_mrkdwn_lets_no_mention_link_or_entity_through(raw: str) -> None:
    shown = TypedText(raw).mrkdwn()
    assert "<" not in shown and ">" not in shown
    assert shown.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


def test_mrkdwn_escapes_what_slack_would_act_on() -> None:
    shown = TypedText("<!channel> hi <@U123|boss> <https://x.test|click> & co").mrkdwn()
    assert shown == ("&lt;!channel&gt; hi &lt;@U123|boss&gt; &lt;https://x.test|click&gt; &amp; co")


@given(st.text())
def test_raw_is_what_was_typed_and_cell_never_starts_a_formula(raw: str) -> None:
    typed = TypedText(raw)
    assert typed.raw() == raw and type(typed.raw()) is str
    assert not typed.cell().startswith(("=", "+", "-", "@", "\t", "\r"))
    assert typed.cell() in (raw, "'" + raw)


def test_a_form_parser_hands_out_typed_text() -> None:
    state = {"note": {"value": {"type": "plain_text_input", "value": "  <!here>  "}}}
    note = text(state, "note")
    assert isinstance(note, TypedText) and note.mrkdwn() == "&lt;!here&gt;"


@given(
    st.builds(
        Metadata,
        team=st.none() | st.integers(1, ID_MAX),
        entry=st.none() | st.integers(1, ID_MAX),
        version=st.none() | st.integers(0, ID_MAX),
        n=st.none() | st.integers(1, 99),
        spell=st.none() | st.dates(),
        role=st.none() | st.sampled_from(["mentor", "advisor"]),
        opened=st.none() | st.sampled_from(["home", "chat"]),
    )
)
def test_metadata_round_trips_within_slacks_limit(meta: Metadata) -> None:
    raw = meta.dump()
    assert len(raw) <= METADATA_MAX and Metadata.load(raw) == meta


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 2999,  # nested past json's recursion limit
        '{"team": {"team": 1}}',  # nested
        '{"team": 1, "x": 2}',  # a key the app never writes
        '{"team": 0}',
        '{"team": 2147483648}',  # no row has an id past 32 bits
        '{"team": 1e400}',
        '{"team": true}',
        '{"team": "12"}',
        '{"n": 100}',
        '{"spell": "2024-02-30"}',
        '{"role": "protege"}',
        '{"opened": "channel"}',  # a modal opens from the Home tab or a conversation
        '{"opened": 1}',
        "12",
        "not json",
        '{"team": 1' + " " * METADATA_MAX + "}",  # over Slack's limit
    ],
)
def test_metadata_refuses_what_the_app_did_not_write(raw: str) -> None:
    with pytest.raises(Refusal, match="out of date"):
        Metadata.load(raw)


def test_metadata_keeps_its_ids_and_its_date() -> None:
    meta = Metadata.load(json.dumps({"team": 7, "spell": "2024-09-02"}))
    assert (meta.team, meta.spell) == (7, date(2024, 9, 2))
    assert Metadata.load("") == Metadata()
    with pytest.raises(Refusal):
        Metadata().need("team")
