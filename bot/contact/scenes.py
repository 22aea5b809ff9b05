"""Demo events: each mentor and protégé files the Contact Form at their track's first meeting
(the manual: before leaving it); the late team's protégé when paired. Year two's files it for
this program year again: last year's would not count. The content advisor fills in her block
once, before the first meeting, for all her teams."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from bot.contact.rules import filing_time
from bot.demo.world import DemoEvent, DemoWorld
from storage.db import transaction
from storage.people import find_person

FILINGS = (
    (date(2024, 9, 25), "Dana Whitfield"),
    (date(2024, 9, 25), "Luis Ortega"),
    (date(2024, 9, 25), "Ruth Adler"),
    (date(2024, 9, 25), "Sam Patel"),
    (date(2024, 10, 1), "Omar Haddad"),
    (date(2024, 10, 1), "Jen Brooks"),
    (date(2024, 11, 5), "Avery Cole"),
)


ADVISOR_FILING = (date(2024, 9, 4), "Grace Kim")
ADVISOR_BLOCK = {  # made-up demo details
    "cell_phone": "573-555-0142",
    "email": "grace.kim@example.edu",
    "mailing_address": "200 Demo Hall, Example University",
    "city_state_zip": "Jefferson City, MO 65101",
}


def events(world: DemoWorld) -> list[DemoEvent]:
    day, advisor = ADVISOR_FILING
    return [
        DemoEvent(
            datetime.combine(day, time(14), world.program.tz),
            f"{advisor} fills in her content advisor block of the Contact Form",
            _file(day, advisor, ADVISOR_BLOCK),
        ),
        *(
            DemoEvent(
                datetime.combine(day, time(14), world.program.tz),
                f"{who} fills in the Contact Form",
                _file(day, who),
            )
            for day, who in FILINGS
        ),
    ]


def _file(
    day: date, who: str, details: dict[str, str] | None = None
) -> Callable[[DemoWorld], None]:
    def run(world: DemoWorld) -> None:
        now = datetime.combine(day, time(14), world.program.tz)
        with transaction(world.factory) as session:
            person = find_person(session, world.ids[who])
            if person is not None:
                for name, value in (details or {}).items():
                    setattr(person, name, value)
                person.contact_filed_at = filing_time(world.program, person.contact_filed_at, now)

    return run
