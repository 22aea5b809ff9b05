"""An advisor's approval of an experience of the team's own design ("Other") is tied to the
version they saw: pressed on a message whose description the protégé has since changed, it
approves what they saw, which no longer counts, and they are shown the new version to approve;
a change after the approval needs approving again (issue 14, item 1's leftover)."""

from __future__ import annotations

import importlib
from dataclasses import replace
from datetime import date, timedelta

from alembic import command
from sqlalchemy import select

from bot.experiences import rules as experiences
from bot.experiences import views as experience_views
from storage.db import alembic_config, make_engine, make_session_factory, transaction, upgrade
from storage.experiences import OTHER_APPROVED, FormEvent
from storage.people import get_team
from tests.interactions import last_opened_view, press, submit
from tests.test_experiences_domain import (
    ADVISOR,
    MENTOR,
    PROTEGE,
    comment_entry,
    db,  # noqa: F401  (the fixture)
    entry,
    make_team,
)
from tests.test_experiences_http import buttons, served, submission_values  # noqa: F401
from tests.test_program_rules import NOW, _status

TODAY = date(2024, 10, 28)


def _version(session, program, team_id: int) -> int:
    return experiences.state_of(session, program, get_team(session, team_id), 1).submission.id


def test_an_approval_counts_for_the_description_it_was_given_to(db, program) -> None:  # noqa: F811
    team_id = make_team(db, program)  # year one, no plan: Experience 1 is the team's own
    with transaction(db) as s:
        team = get_team(s, team_id)
        experiences.submit(s, program, team, 1, entry(None, "A CTSO fundraiser"), PROTEGE, NOW)
        first = _version(s, program, team_id)
        assert experiences.approve_other(s, team, 1, first, ADVISOR, NOW + timedelta(hours=1))
        # A new version that keeps the description (another link, say) keeps the approval.
        same = replace(entry(None, "A CTSO fundraiser"), summary="Now with the receipts.")
        experiences.submit(s, program, team, 1, same, PROTEGE, NOW + timedelta(hours=1))
        assert not experiences.awaiting_approval(s, team, 1)
        # The protégé changes the description (allowed until the mentor comments).
        later = NOW + timedelta(hours=2)
        experiences.submit(s, program, team, 1, entry(None, "A career fair"), PROTEGE, later)
        assert experiences.awaiting_approval(s, team, 1)  # the approval was for the fundraiser
        assert experiences.approved_before(s, team, 1)
        second = _version(s, program, team_id)
        c = experiences.file_comment(s, team, 1, second, comment_entry(), MENTOR, later)
        experiences.agree(s, team, 1, c.id, PROTEGE, later)
    with db() as s:
        assert _status(s, program, team_id, "experience-1-file", TODAY).done_at is None
    approved_at = NOW + timedelta(days=1)
    with transaction(db) as s:
        assert experiences.approve_other(s, get_team(s, team_id), 1, second, ADVISOR, approved_at)
    with db() as s:
        assert _status(s, program, team_id, "experience-1-file", TODAY).done_at == approved_at


def _send(base, fake, team: int, description: str) -> None:
    press(base, PROTEGE, experience_views.SUBMIT_OPEN, f"{team}:1")
    values = submission_values(
        selection="other",
        other_description={"other_description": {"type": "plain_text_input", "value": description}},
    )
    status, body = submit(base, PROTEGE, last_opened_view(fake), values)
    assert status == 200 and body["response_action"] == "update", body


def test_a_button_for_an_earlier_version_approves_only_that_one(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    _send(base, fake, team, "A CTSO fundraiser")
    [first] = fake.messages_to(ADVISOR)
    _send(base, fake, team, "A career fair")  # changed before the advisor pressed
    second = fake.messages_to(ADVISOR)[-1]
    assert "A career fair" in str(second["blocks"])
    old = buttons(first)[experience_views.OTHER_APPROVE]
    told = len(fake.messages_to(PROTEGE))
    press(base, ADVISOR, experience_views.OTHER_APPROVE, old)
    with services.sessions() as s:
        assert experiences.awaiting_approval(s, get_team(s, team), 1)
        current = _version(s, program, team)
    # The message they pressed now shows the version that stands, to approve that one.
    [shown] = [c.params for c in fake.calls_to("chat.update")][-1:]
    assert "A career fair" in str(shown["blocks"]) and "changed" in str(shown["blocks"])
    assert buttons(shown)[experience_views.OTHER_APPROVE] == f"{team}:1:{current}"
    assert len(fake.messages_to(PROTEGE)) == told  # nothing to tell the protégé yet
    press(base, ADVISOR, experience_views.OTHER_APPROVE, f"{team}:1:{current}")
    with services.sessions() as s:
        assert not experiences.awaiting_approval(s, get_team(s, team), 1)
    assert "approved by your content advisor" in fake.messages_to(PROTEGE)[-1]["text"]
    press(base, ADVISOR, experience_views.OTHER_APPROVE, f"{team}:1:999999")  # forged: refused


def test_a_change_after_the_approval_is_sent_for_approval_again(served, program) -> None:  # noqa: F811
    base, services, fake, team, _ = served
    _send(base, fake, team, "A CTSO fundraiser")
    press(
        base,
        ADVISOR,
        experience_views.OTHER_APPROVE,
        buttons(fake.messages_to(ADVISOR)[0])[experience_views.OTHER_APPROVE],
    )
    with services.sessions() as s:
        assert not experiences.awaiting_approval(s, get_team(s, team), 1)
    _send(base, fake, team, "A career fair")
    again = fake.messages_to(ADVISOR)[-1]
    assert "changed its description or focus areas after your approval" in str(again["blocks"])
    with services.sessions() as s:
        assert experiences.awaiting_approval(s, get_team(s, team), 1)
        current = _version(s, program, team)
    assert buttons(again)[experience_views.OTHER_APPROVE] == f"{team}:1:{current}"
    # A message from before approvals named their version shows the one that stands.
    press(base, ADVISOR, experience_views.OTHER_APPROVE, f"{team}:1")
    with services.sessions() as s:
        assert experiences.awaiting_approval(s, get_team(s, team), 1)
    assert buttons(fake.calls_to("chat.update")[-1].params)[experience_views.OTHER_APPROVE] == (
        f"{team}:1:{current}"
    )


def test_approvals_given_before_the_upgrade_name_the_version_then_current(
    database_url,
    program,  # noqa: F811
) -> None:
    """Migration 0031 ties each approval already given to the submission current then."""
    factory = make_session_factory(make_engine(database_url))
    team_id = make_team(factory, program)
    with transaction(factory) as s:
        team = get_team(s, team_id)
        experiences.submit(s, program, team, 1, entry(None, "A CTSO fundraiser"), PROTEGE, NOW)
        first = _version(s, program, team_id)
        experiences.approve_other(s, team, 1, first, ADVISOR, NOW + timedelta(hours=1))
        later = NOW + timedelta(hours=2)
        experiences.submit(s, program, team, 1, entry(None, "A career fair"), PROTEGE, later)
    migration = importlib.import_module("storage.migrations.versions.0031_approval_of_a_version")
    command.downgrade(alembic_config(database_url), migration.down_revision)
    upgrade(database_url)
    with factory() as s:
        [approval] = s.scalars(select(FormEvent).where(FormEvent.event == OTHER_APPROVED))
        assert approval.revision_id == first
        assert experiences.awaiting_approval(s, get_team(s, team_id), 1)
