"""Demo events: a protégé's Slack account is deactivated.

On Sat Feb 1 an admin deactivates Avery Cole's account and Slack sends the bot a
`user_change` event saying so; the event's listener does what this event does. From then on
users.info says the same; a DM to Avery would still "succeed" (land unread, as in Slack), so
Avery's notices, and the co-sign requests Dana's logs ask of Avery, are held, and program
staff hear once, with the button that ends the team.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.accounts.rules import learn
from bot.demo.world import DemoEvent, DemoWorld

LEAVES_SLACK = ("Avery Cole", date(2025, 2, 1))


def events(world: DemoWorld) -> list[DemoEvent]:
    who, day = LEAVES_SLACK
    at = datetime.combine(day, time(9, 0), world.program.tz)

    def run(world: DemoWorld) -> None:
        slack_id = world.ids[who]
        world.client.deactivated.add(slack_id)  # Slack's users.info, from now on
        learn(world.factory, slack_id, True, at.astimezone(UTC))  # the user_change event

    return [DemoEvent(at, f"{who}'s Slack account is deactivated (Slack sends user_change)", run)]
