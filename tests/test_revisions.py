"""The one revision scheme (storage.revisions): numbering, who replaced what, and races."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, make_session_factory, transaction
from storage.experiences import AssessmentActivity
from storage.people import add_team, get_or_create_person
from storage.revisions import current, history, revise, try_revise

T0 = datetime(2024, 9, 25, 15, 0, tzinfo=UTC)
PROTEGE = "U0PROTEGE1"


@pytest.fixture
def factory(database_url):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield factory
    engine.dispose()


def team_of(session) -> int:
    team = add_team(
        session,
        program_id="bmit-2024-25",
        mentor=get_or_create_person(session, "U0MENTOR1", T0),
        protege=get_or_create_person(session, PROTEGE, T0),
        advisor=None,
        area="bmit",
        track="year2",
        start_date=date(2024, 8, 26),
        created_by=None,
        now=T0,
    )
    return team.id


def activity(team_id: int, summary: str, at: datetime) -> AssessmentActivity:
    return AssessmentActivity(
        team_id=team_id, link="https://x.test", summary=summary, submitted_by=PROTEGE,
        submitted_at=at,
    )  # fmt: skip


def test_revisions_are_numbered_kept_and_read_oldest_first(factory) -> None:
    with transaction(factory) as session:
        team_id = team_of(session)
        first = activity(team_id, "first", T0)
        assert revise(session, None, first, PROTEGE, T0)
        second = activity(0, "second", T0 + timedelta(days=1))  # the filing comes from `first`
        assert revise(session, first, second, "U0OTHER1", T0 + timedelta(days=1))
    with factory() as session:
        found = history(session, AssessmentActivity, team_id=team_id)
        assert [(a.version, a.summary, a.team_id) for a in found] == [
            (1, "first", team_id),
            (2, "second", team_id),
        ]
        assert (found[0].superseded_by, found[0].superseded_at) == (
            "U0OTHER1",
            T0 + timedelta(days=1),
        )
        assert found[1].superseded_at is None
        assert current(session, AssessmentActivity, team_id=team_id).summary == "second"
        with pytest.raises(TypeError, match="named by team_id"):
            history(session, AssessmentActivity, id=found[0].id)


def test_of_two_revisions_of_the_same_filing_one_wins(factory) -> None:
    with transaction(factory) as session:
        team_id = team_of(session)
        first = activity(team_id, "first", T0)
        revise(session, None, first, PROTEGE, T0)
    later = T0 + timedelta(hours=1)
    with transaction(factory) as session:
        stale = session.get(AssessmentActivity, first.id)
        assert revise(session, stale, activity(team_id, "mine", later), PROTEGE, later)
        # The same earlier revision, revised again (a second click, a retried request).
        assert not revise(session, stale, activity(team_id, "theirs", later), PROTEGE, later)
    with factory() as session:
        summaries = [a.summary for a in history(session, AssessmentActivity, team_id=team_id)]
    assert summaries == ["first", "mine"]
    # Two first filings of one filing collide on its version.
    with pytest.raises(IntegrityError), transaction(factory) as session:
        revise(session, None, activity(team_id, "again", later), PROTEGE, later)
    # try_revise answers that collision as a lost race, and the transaction goes on.
    with transaction(factory) as session:
        assert not try_revise(session, None, activity(team_id, "again", later), PROTEGE, later)
        latest = current(session, AssessmentActivity, team_id=team_id)
        assert latest is not None
        assert try_revise(session, latest, activity(team_id, "next", later), PROTEGE, later)
    with factory() as session:
        summaries = [a.summary for a in history(session, AssessmentActivity, team_id=team_id)]
    assert summaries == ["first", "mine", "next"]
