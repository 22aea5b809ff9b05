"""The Communication Log's views and form parsing, checked against slack_sdk's Block Kit models
(which enforce Slack's limits) and with the worst input a person can type."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.logs import form, views
from bot.logs import rules as logs
from bot.slack.fields import FieldErrors
from storage.logs import CommunicationLog, LogMode
from tests.interactions import date_value, radio_value, select_value, text_value

TZ = ZoneInfo("America/Chicago")
NOW = datetime(2024, 10, 8, 14, 5, tzinfo=UTC)
TODAY = date(2024, 10, 8)
LONGEST = "<!channel> *not bold* " + "é" * (form.TEXT_MAX - 22)


def entry(**overrides) -> logs.ShownLog:
    """A stored entry as it reaches the views (through rules.shown_log)."""
    values = dict(
        id=7,
        team_id=3,
        author="U0MENTOR1",
        author_role="mentor",
        conversation_date=date(2024, 10, 3),
        mode=LogMode.VIDEO,
        topic_month="2024-10",
        help_needed=LONGEST,
        ideas_discussed=LONGEST,
        minutes=600,
        version=2,
        filed_at=NOW,
        edited_at=NOW,
        edited_by="U0MENTOR1",
        confirmed_by=None,
        confirmed_at=None,
        disputed_by="U0PROTEGE1",
        disputed_at=NOW,
        dispute_comment=LONGEST,
    )
    values.update(overrides)
    return logs.shown_log(CommunicationLog(**values))


def check_view(view: dict) -> dict:
    View(**view).validate_json()
    # Nothing the models would drop or rename (they leave out an empty private_metadata).
    assert View(**view).to_dict() == {k: v for k, v in view.items() if v != ""}
    return view


def check_message(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


@pytest.fixture
def topics(program):
    return {t.month_id: views.topic_label(t) for t in program.topics}


def test_every_modal_fits_slacks_limits(program, topics) -> None:
    choices = logs.topic_choices(program, TODAY)
    teams = [views.TeamChoice(n, f"U0P{n}", "A" * 200 + f" {n}") for n in range(1, 100)]
    check_view(views.log_modal(topics=choices, today=TODAY, metadata="{}", teams=teams[:99]))
    check_view(
        views.log_modal(
            topics=choices, today=TODAY, metadata="{}", partner_id="U0P1", entry=entry()
        )
    )
    check_view(views.check_in_modal(today=TODAY, metadata="{}", teams=teams[:99]))
    check_view(views.dispute_modal(entry(), topics, "{}"))
    check_view(views.saved_view(entry(), "U0P1", ["minutes"], edited=True))
    check_view(views.checked_in_view(3, "U0P1", TODAY, LogMode.TEXT, 1, 2))
    check_view(views.refusal_view("No."))
    header = views.TeamHeader(3, "U0MENTOR1", "U0PROTEGE1")
    many = [entry(id=n) for n in range(views.PAGE_SIZE)]
    contacts = {f"2024-{m:02d}": 2 for m in range(1, 13)}
    listed = check_view(
        views.entry_list_modal(
            header=header, entries=many, topics=topics, page=1, total=95, contacts=contacts,
            minimum=2, tz=TZ, today=TODAY, can_file=True,
        )
    )  # fmt: skip
    assert "Page 2 of 10 · 95 entries" in str(listed)
    old = entry(
        version=1, conversation_date=date(2024, 10, 2), mode=LogMode.PHONE, help_needed="",
        ideas_discussed="x", minutes=5, confirmed_by="U0PROTEGE1",
        superseded_by="U0MENTOR1", superseded_at=NOW,
    )  # fmt: skip
    check_view(
        views.entry_detail_modal(
            entry=entry(), revisions=[old] * 30 + [entry()], header=header, topics=topics, tz=TZ,
            today=TODAY, can_edit=True, can_cosign=False,
        )
    )  # fmt: skip


def test_every_message_fits_slacks_limits(program, topics) -> None:
    for text, blocks in (
        views.cosign_message(entry(), topics),
        views.cosign_message(entry(), topics, ["date", "minutes"]),
        views.cosign_answered_message(entry(), topics, TZ),
        views.cosign_answered_message(entry(confirmed_at=NOW, confirmed_by="U0P"), topics, TZ),
        views.disputed_message(entry(), topics),
        views.nudge_message(
            month="2024-10", topic=program.topic_for(2024, 10), due=date(2024, 10, 18),
            today=date(2024, 10, 15), team_id=3, protege_id="U0P",
        ),
        views.overdue_message(
            month="2024-10", due=date(2024, 10, 18), today=date(2024, 10, 21), team_id=3,
            mentor_id="U0M", protege_id="U0P",
        ),
    ):  # fmt: skip
        assert text and len(text) < 4000
        check_message(blocks)
    check_message(
        views.home_section(
            team_id=3, partner_id="U0P", month="2024-10", logged=False, contacts=1, minimum=2
        )
    )


def test_typed_text_is_shown_as_typed_never_as_mrkdwn(topics) -> None:
    _, blocks = views.cosign_message(entry(), topics)
    typed = [b for b in blocks if "<!channel>" in str(b)]
    assert typed and all(b["text"]["type"] == "plain_text" for b in typed)
    assert all(b["text"]["text"] == LONGEST for b in typed)  # in full, not cut


def test_dates_read_as_people_read_them() -> None:
    assert views.when(NOW, TZ) == "on Tue, Oct 8 at 9:05 AM"
    assert views.when(NOW, TZ, TODAY) == "today at 9:05 AM"
    late = datetime(2024, 10, 8, 16, 5, tzinfo=UTC)
    assert views.when(late, ZoneInfo("Asia/Tokyo"), TODAY) == "tomorrow at 1:05 AM"
    assert views.when(late, ZoneInfo("Asia/Tokyo")) == "on Wed, Oct 9 at 1:05 AM"
    text, _ = views.nudge_message(
        month="2024-10", topic=None, due=date(2024, 10, 18), today=date(2024, 10, 17),
        team_id=3, protege_id="U0P",
    )  # fmt: skip
    assert text == "A reminder: October's Communication Log is due tomorrow, Fri, Oct 18."


def state(**overrides) -> dict:
    values = {
        form.DATE: {"value": date_value("2024-10-03")},
        form.MODE: {"value": radio_value("phone")},
        form.TOPIC: {"value": select_value("2024-10")},
        form.HELP: {"value": text_value("")},
        form.IDEAS: {"value": text_value("  Talked.  ")},
        form.MINUTES: {"value": {"type": "number_input", "value": "30"}},
    }
    values.update(overrides)
    return values


def parse(values: dict):
    return form.parse_log(
        values, today=TODAY, earliest=date(2024, 8, 26), topic_months={"2024-09", "2024-10"}
    )


def test_a_good_form_parses() -> None:
    data = parse(state())
    assert data == form.LogInput(date(2024, 10, 3), LogMode.PHONE, "2024-10", "", "Talked.", 30)
    assert parse(state(**{form.DATE: {"value": date_value("2024-10-08")}})).conversation_date


@pytest.mark.parametrize(
    ("block", "element", "message"),
    [
        (form.DATE, date_value("2024-10-09"), "future"),
        (form.DATE, date_value("2024-08-25"), "Mon, Aug 26"),
        (form.DATE, date_value("not-a-date"), "Pick the date"),
        (form.DATE, {"selected_date": None}, "Pick the date"),
        (form.MODE, radio_value("carrier pigeon"), "listed ways"),
        (form.TOPIC, select_value("2024-11"), "program's monthly topics"),
        (form.IDEAS, text_value("   "), "a line or two"),
        (form.IDEAS, text_value("x" * 30_000), "30,000 characters"),
        (form.HELP, text_value("x" * 3_001), "3,001 characters"),
        (form.MINUTES, {"value": "0"}, "from 1 to 600"),
        (form.MINUTES, {"value": "601"}, "from 1 to 600"),
        (form.MINUTES, {"value": "2.5"}, "whole number"),
        (form.MINUTES, {"value": "9" * 5000}, "whole number"),
        (form.MINUTES, {"value": "²"}, "whole number"),
        (form.MINUTES, {"value": None}, "whole number"),
    ],
)
def test_bad_fields_are_named(block, element, message) -> None:
    with pytest.raises(FieldErrors) as caught:
        parse(state(**{block: {"value": element}}))
    assert list(caught.value.errors) == [block]
    assert message in caught.value.errors[block]


def test_a_forged_team_choice_is_refused() -> None:
    assert form.selected_team({}, form.TEAM) is None
    assert form.selected_team({form.TEAM: {"value": select_value("12")}}, form.TEAM) == 12
    for value in ("12; DROP", "-1", ""):
        with pytest.raises(FieldErrors):
            form.selected_team({form.TEAM: {"value": select_value(value)}}, form.TEAM)
