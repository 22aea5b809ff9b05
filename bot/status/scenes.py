"""Demo events for status and reports: protégés name their building administrators on the
Contact Form (for the semester progress notes), five people answer the spring survey, and
staff export the annual report at the end of May. `status_text` is the closing table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from sqlalchemy.orm import Session, sessionmaker

from bot.demo.world import DemoEvent, DemoWorld
from bot.program import Program
from bot.status import export as report_export
from bot.status import rules as status_domain
from bot.survey import rules as survey
from storage.db import transaction
from storage.people import active_teams, find_person, served_teams

ADMINISTRATORS = (
    ("Luis Ortega", "Dr. Helen Ruiz", "hruiz@district.example"),
    ("Sam Patel", "Mr. Carl Jensen", "cjensen@district.example"),
    ("Jen Brooks", "Ms. Tara Nguyen", "tnguyen@district.example"),
)
ANSWERS = (  # who, team, relationship, benefits, materials, comment
    (date(2025, 4, 8), "Dana Whitfield", "Dana Whitfield/Luis Ortega", 5, 5, 4, None),
    (date(2025, 4, 8), "Luis Ortega", "Dana Whitfield/Luis Ortega", 5, 4, 4, "Monthly topics."),
    (date(2025, 4, 9), "Ruth Adler", "Ruth Adler/Sam Patel", 4, 4, 3, None),
    (date(2025, 4, 10), "Sam Patel", "Ruth Adler/Sam Patel", 4, 5, 4, "More visits, please."),
    (date(2025, 4, 11), "Omar Haddad", "Omar Haddad/Jen Brooks", 5, 4, 5, None),
    (date(2025, 4, 11), "Jen Brooks", "Omar Haddad/Jen Brooks", 5, 5, 4, "A second year helps."),
)
EXPORT_DAY = date(2025, 5, 30)


def events(world: DemoWorld) -> list[DemoEvent]:
    tz = world.program.tz
    found = [
        DemoEvent(
            datetime.combine(date(2024, 9, 12), time(16), tz),
            f"{who} names {name} as building administrator on the Contact Form",
            _administrator(who, name, email),
        )
        for who, name, email in ADMINISTRATORS
    ]
    found += [
        DemoEvent(
            datetime.combine(day, time(16), tz),
            f"{who} answers the program evaluation survey",
            _answer(day, who, team, (r, b, m), comment),
        )
        for day, who, team, r, b, m, comment in ANSWERS
    ]
    found.append(
        DemoEvent(
            datetime.combine(EXPORT_DAY, time(10), tz),
            "Staff export the annual report (/mentor report): CSV, spreadsheet and chart",
            _export,
        )
    )
    return found


def _administrator(who: str, name: str, email: str) -> Callable[[DemoWorld], None]:
    def run(world: DemoWorld) -> None:
        with transaction(world.factory) as session:
            person = find_person(session, world.ids[who])
            if person is not None and not person.admin_name:
                person.admin_name, person.admin_email = name, email

    return run


def _answer(
    day: date, who: str, team: str, ratings: tuple[int, int, int], comment: str | None
) -> Callable[[DemoWorld], None]:
    def run(world: DemoWorld) -> None:
        now = datetime.combine(day, time(16), world.program.tz)
        values = dict(zip(survey.RATING_QUESTIONS, ratings, strict=True))
        with transaction(world.factory) as session:
            found = world.team(session, team)
            survey.take_answers(session, world.program, found, world.ids[who], values, comment, now)

    return run


def _export(world: DemoWorld) -> None:
    """What `/mentor report` uploads; the closing summary prints its annual sheet."""
    with world.factory() as session:
        teams = served_teams(session, world.program.id)
        data = report_export.gather(session, world.program, teams, EXPORT_DAY)
    report_export.report_files(world.program, data)


def status_text(factory: sessionmaker[Session], program: Program, today: date) -> str:
    """The staff status table, as `/mentor status` computes it, and the annual summary, in
    plain text."""
    with factory() as session:
        teams = active_teams(session, program.id)
        found = status_domain.program_standings(session, program, teams, today)
        data = report_export.gather(session, program, served_teams(session, program.id), today)
    table = status_domain.status_table(program, status_domain.summarize(program, found, today))
    summary = [
        f"  {label}: {value}" for label, value in report_export.annual_summary(program, data)
    ]
    return table + "\n\n  Annual summary (the report's summary sheet)\n" + "\n".join(summary)
