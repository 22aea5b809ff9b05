"""The Home tab's pace section, and the two buttons every reminder section carries."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.slack.blocks import actions, button, context, option, section, static_select
from bot.slack.dates import human_date
from storage.pace import DeliveryTime

Block = dict[str, Any]

DELIVERY = "pace_delivery"
AWAY = "pace_away"
BACK = "pace_back"
COVER = "pace_cover"
LATER = "pace_later"
OUTSIDE = "pace_outside"
CONFIRM = "pace_confirm"


def home_section(
    labels: dict[DeliveryTime, str],
    delivery: DeliveryTime | None,
    away_until: date | None,
    cover: str | None,
    advisor: bool,
    today: date,
) -> list[Block]:
    """When the bot writes to you, and when you are away."""
    chosen = (delivery or DeliveryTime.BEFORE_SCHOOL).value
    options = [option(label, time.value) for time, label in labels.items()]
    blocks: list[Block] = [
        section(
            "*When the bot writes to you*\nOne message a school day, at the time you choose.",
            accessory=static_select(DELIVERY, options, chosen),
        )
    ]
    away = away_until is not None and away_until >= today
    picker: dict[str, Any] = {
        "type": "datepicker",
        "action_id": AWAY,
        "placeholder": {"type": "plain_text", "text": "Away until…"},
    }
    if away and away_until is not None:
        picker["initial_date"] = away_until.isoformat()
    row: list[dict[str, Any]] = [picker]
    if advisor:
        who: dict[str, Any] = {
            "type": "users_select",
            "action_id": COVER,
            "placeholder": {"type": "plain_text", "text": "Who gets my alerts"},
        }
        if cover:
            who["initial_user"] = cover
        row.append(who)
    if away:
        row.append(button("I'm back", BACK))
    blocks.append(actions(*row))
    if away and away_until is not None:
        covered = f"; <@{cover}> gets your team alerts" if advisor and cover else ""
        blocks.append(
            context(f"Away until {human_date(away_until, today)}: only urgent alerts{covered}.")
        )
    else:
        note = " (and who gets your team alerts meanwhile)" if advisor else ""
        blocks.append(context(f"Away? Pick the last day away{note}: the bot holds the rest."))
    return blocks


def reminder_buttons(team_id: int, step: str) -> Block:
    """On each reminder: put it off a school day, or say it was done some other way."""
    value = f"{team_id}|{step}"
    return actions(
        button("Remind me next school day", LATER, value),
        button("Done outside Slack", OUTSIDE, value),
    )
