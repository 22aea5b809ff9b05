"""The access matrix: every subcommand, button, modal submission and event of the app, sent
as each role through signed HTTP, checked against DESIGN.md's access table.

A role outside a row's `allowed` set must be refused: nothing in the database changes, no
form opens, nobody but the sender hears anything, and the answer is not an error. A role
inside it must get an answer that is not an error. Modal submissions are forged with the
view the app opened for a rightful user, filled with valid-looking values: the
re-check on submission, not the hidden button, is what refuses.

What a refused person is shown is read too. Team 1's people have filed every form with free
text (a marker `ZZSECRET-<form>-<field>` in each field), so every id the rows name is a real
record of team 1; the answer and every call the app made to Slack for a refused request
(views, messages, after the ack too) must hold no marker, unless the person may read team 1.

ADDING A LISTENER? Add its row to ROWS below (one line); a listener without a row fails
`test_every_listener_has_a_row`.
"""

from __future__ import annotations

import hashlib
import inspect as pyinspect
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, text

from bot.platform.app import create_app
from bot.platform.services import Services
from bot.slack.blocks import numbered
from storage.db import make_engine, make_session_factory, transaction
from storage.experiences import (
    Experience,
    ExperienceSubmission,
    MentorComment,
    PdVerification,
    VisitReport,
)
from storage.logs import CommunicationLog
from storage.models import Role, Team, TeamStatus
from storage.people import add_team, get_or_create_person, grant, revoke
from storage.plans import MentoringPlan
from storage.teams import end_team, replace_member
from tests.conftest import SIGNING_SECRET, STAFF, make_settings, serve_app
from tests.interactions import last_opened_view, press, submit
from tests.signing import post, slash_command
from tests.test_status_later import ResponseUrl

NOW = datetime(2024, 9, 10, 15, tzinfo=UTC)
PEOPLE = {
    "staff": STAFF,
    "advisor": "U0ADV0001",  # content advisor of team 1
    "other_advisor": "U0ADV0002",  # content advisor of team 2
    "mentor": "U0MEN0001",
    "protege": "U0PRO0001",
    "other_member": "U0MEN0002",  # mentor of team 2
    "stranger": "U0STRANGR",
}
OTHER_PROTEGE = "U0PRO0002"
ROLES = tuple(PEOPLE)
_AS_STRANGER = frozenset({"stranger"})
_AS_MEMBER = frozenset({"other_member"})  # of another team
# People whose standing changed, or who hold roles in more than one place, each checked as
# the roles of PEOPLE they stand as towards team 1: refused what those roles are refused,
# and shown nothing of team 1 unless one of them may read it.
CHANGED: dict[str, tuple[str, frozenset[str]]] = {
    "revoked_staff": ("U0REVOKED", _AS_STRANGER),  # was program staff, revoked
    "revoked_advisor": ("U0REVADV1", _AS_STRANGER),  # was a content advisor, revoked
    "ended_mentor": ("U0ENDMEN1", _AS_STRANGER),  # mentor of team 3, which has ended
    "ended_protege": ("U0ENDPRO1", _AS_STRANGER),  # protégé of team 3
    "replaced_mentor": ("U0REPMEN1", _AS_STRANGER),  # team 1's first mentor, replaced
    "replaced_advisor": ("U0REPADV1", _AS_STRANGER),  # team 1's first advisor, replaced
    "two_teams_mentor": ("U0TWOMEN1", _AS_MEMBER),  # mentor of teams 4 and 5
    "year_two_protege": ("U0YR2PRO1", _AS_MEMBER),  # protégé of team 6, in year two
    # program staff, and mentor of team 7
    "staff_member": ("U0STAFMEN", frozenset({"staff", "other_member"})),
}
# The other people of teams 4 to 7.
ELSEWHERE = ("U0PRO0004", "U0PRO0005", "U0YR2MEN1", "U0PRO0007")
EVERYONE = {**PEOPLE, **{role: slack_id for role, (slack_id, _) in CHANGED.items()}}
STANDS_AS = {
    **{role: frozenset({role}) for role in PEOPLE},
    **{role: as_ for role, (_, as_) in CHANGED.items()},
}

ALL = frozenset(ROLES)
MEMBERS = frozenset({"mentor", "protege"})
READERS = MEMBERS | {"advisor", "staff"}
REVIEWERS = frozenset({"advisor", "staff"})
STAFF_ONLY = frozenset({"staff"})
ANY_TEAM = ALL - {"stranger"}  # acts on one's own team (team 2's people on theirs)
ANY_MEMBER = MEMBERS | {"other_member"}
ANY_ADVISOR = frozenset({"advisor", "other_advisor", "staff"})


@dataclass(frozen=True)
class Row:
    """How to send one listener's request, and who may use it.

    `value` / `args` are templates: {team} is team 1, {entry} the mentor's log entry,
    {protege} team 1's protégé. `opener` (for a modal) is a Row that opens it, sent by
    `opener_role` before the forged submission.
    """

    allowed: frozenset[str]
    value: str = ""
    args: str = ""
    opener: tuple[str, str] | None = None  # (listener id, value) pressed or typed to open it
    opener_role: str = "mentor"
    metadata: str | None = None  # when no opener can open it in a fresh world


# One row per listener: "command:<sub>", "action:<action_id>", "view:<callback_id>",
# "event:<type>". Sets are roles relative to team 1 (see PEOPLE).
ROWS: dict[str, Row] = {
    # /mentor subcommands
    "command:help": Row(ALL),
    "command:topic": Row(ALL),
    "command:calendar": Row(ALL, args="year1"),
    "command:contact": Row(ALL),
    "command:team": Row(READERS, args="<@{protege}>"),
    "command:pair": Row(STAFF_ONLY),
    "command:import": Row(STAFF_ONLY),
    "command:year": Row(STAFF_ONLY),
    "command:staff": Row(STAFF_ONLY, args="add <@U0NEWPERS>"),
    "command:advisor": Row(STAFF_ONLY, args="add <@U0NEWPERS>"),
    "command:log": Row(ANY_MEMBER),
    "command:checkin": Row(ANY_MEMBER),
    "command:logs": Row(READERS, args="<@{protege}>"),
    "command:focal": Row(ANY_TEAM),
    "command:decisions": Row(ANY_TEAM),
    "command:plan": Row(ANY_TEAM),
    "command:progress": Row(READERS, args="<@{protege}>"),
    "command:experience": Row(ANY_TEAM),
    "command:visit": Row(ANY_TEAM),
    "command:pd": Row(ANY_TEAM),
    "command:assessment": Row(ANY_TEAM),
    "command:silent": Row(ANY_ADVISOR),
    "command:noresponse": Row(ANY_MEMBER),
    "command:status": Row(ALL),
    "command:overdue": Row(ALL),
    "command:completers": Row(ANY_ADVISOR),
    "command:report": Row(ANY_ADVISOR),
    # teams
    "action:team_replace_mentor": Row(STAFF_ONLY, value="{team}"),
    "action:team_replace_advisor": Row(STAFF_ONLY, value="{team}"),
    "action:team_end_open": Row(STAFF_ONLY, value="{team}"),
    "action:team_pause": Row(STAFF_ONLY, value="{team}"),
    # opening the next school year (no next year's file is offered here: staff are told so)
    "action:year_preview": Row(STAFF_ONLY, value="bmit-2025-26"),
    "view:year_open": Row(STAFF_ONLY, metadata='{"program": "bmit-2025-26"}'),
    "action:team_resume": Row(STAFF_ONLY, value="{team}"),
    "action:completion_file": Row(READERS, value="{team}"),
    "view:team_pair": Row(STAFF_ONLY, opener=("command:pair", ""), opener_role="staff"),
    "view:team_import": Row(STAFF_ONLY, opener=("command:import", ""), opener_role="staff"),
    "view:team_replace": Row(
        STAFF_ONLY, opener=("action:team_replace_mentor", "{team}"), opener_role="staff"
    ),
    "view:team_end": Row(
        STAFF_ONLY, opener=("action:team_end_open", "{team}"), opener_role="staff"
    ),
    # contact form: everyone files their own
    "action:contact_open": Row(ALL),
    "view:contact_form": Row(ALL, opener=("action:contact_open", "")),
    # Communication Logs
    "action:log_open": Row(MEMBERS, value="{team}:2024-09"),
    "action:checkin_open": Row(MEMBERS, value="{team}:2024-09"),
    "action:log_last_month": Row(READERS, value="{team}:2024-09"),
    "action:log_confirm": Row(frozenset({"protege"}), value="{entry}"),
    "action:log_dispute": Row(frozenset({"protege"}), value="{entry}"),
    "action:log_edit": Row(frozenset({"mentor"}), value="{entry_id}"),
    "action:log_view": Row(READERS, value="{entry_id}"),
    "action:logs_page": Row(READERS, value="{team}:0"),
    "view:log_submit": Row(MEMBERS, opener=("action:log_open", "{team}:2024-09")),
    "view:checkin_submit": Row(MEMBERS, opener=("action:checkin_open", "{team}:2024-09")),
    "view:log_dispute_submit": Row(
        frozenset({"protege"}), opener=("action:log_dispute", "{entry}"), opener_role="protege"
    ),
    # Focal Points, Decision Points, Individual Mentoring Plan
    "action:plans_pick_focal": Row(MEMBERS, value="{team}"),
    "action:plans_open_decisions": Row(MEMBERS, value="{team}"),
    "action:plans_open_plan": Row(MEMBERS, value="{team}"),
    "action:plans_show_selections": Row(ALL),
    "action:plans_selection": Row(ALL),
    "view:plans_focal": Row(
        frozenset({"protege"}), opener=("action:plans_pick_focal", "{team}"), opener_role="protege"
    ),
    "view:plans_decisions": Row(MEMBERS, opener=("action:plans_open_decisions", "{team}")),
    "view:plans_decision_notes": Row(MEMBERS, metadata='{"team": {team}}'),
    "action:plans_focal_draft": Row(frozenset({"protege"}), value="{team}"),
    "action:plans_decisions_draft": Row(MEMBERS, value="{team}"),
    "action:plans_decisions_back": Row(MEMBERS, value="{team}"),
    "view:plans_plan": Row(MEMBERS, opener=("action:plans_open_plan", "{team}")),
    "action:plans_review_received": Row(REVIEWERS, value="1"),
    "action:plans_review_approve": Row(REVIEWERS, value="1"),
    "action:plans_review_return": Row(REVIEWERS, value="1"),
    "view:plans_approve": Row(REVIEWERS, metadata='{"plan": 1}'),
    "view:plans_return": Row(REVIEWERS, metadata='{"plan": 1}'),
    # meeting attendance, from the team card
    "action:meeting_attendance_open": Row(REVIEWERS, value="{team}"),
    "view:meeting_attendance": Row(REVIEWERS, metadata='{"team": {team}}'),
    # silent teams
    "action:silence_reached_out": Row(REVIEWERS, value="{team}:2024-09-02"),
    "action:silence_snooze": Row(REVIEWERS, value="{team}:2024-09-02"),
    "action:silence_open_team": Row(REVIEWERS, value="{team}:2024-09-02"),
    "action:silence_partner_open": Row(MEMBERS, value="{team}"),
    "view:silence_reached_out_note": Row(
        REVIEWERS, metadata='{"team": {team}, "spell": "2024-09-02"}'
    ),
    "view:silence_partner_report": Row(MEMBERS, opener=("action:silence_partner_open", "{team}")),
    # the advisor digest's buttons
    "action:advisor_nudge": Row(REVIEWERS, value="{team}"),
    "action:advisor_reached_out": Row(REVIEWERS, value="{team}"),
    "action:advisor_snooze": Row(REVIEWERS, value="{team}"),
    "action:advisor_duty_done": Row(REVIEWERS, value="{team}:advisor_introduction"),
    "action:advisor_more_teams": Row(REVIEWERS, value="{team}"),
    "view:advisor_nudge_send": Row(
        REVIEWERS, opener=("action:advisor_nudge", "{team}"), opener_role="advisor"
    ),
    # people set the pace: their own Home tab choices, their team's reminders
    "action:pace_delivery": Row(ALL),
    "action:pace_away": Row(ALL),
    "action:pace_back": Row(ALL),
    "action:pace_cover": Row(REVIEWERS),
    "action:pace_later": Row(MEMBERS, value="{team}|2024-25:contact_form"),
    "action:pace_outside": Row(MEMBERS, value="{team}|2024-25:contact_form"),
    "action:pace_confirm": Row(REVIEWERS, value="1"),
    # structured experiences
    "action:exp_submit_open": Row(frozenset({"protege"}), value="{team}:1"),
    "action:exp_comment_open": Row(frozenset({"mentor"}), value="{team}:1"),
    "action:exp_review_open": Row(READERS, value="{team}:1"),
    "action:exp_agree": Row(frozenset({"protege"}), value="{team}:1:1"),
    "action:exp_discuss_open": Row(frozenset({"protege"}), value="{team}:1:1"),
    "action:exp_other_approve": Row(REVIEWERS, value="{team}:1"),
    "view:exp_submit": Row(
        frozenset({"protege"}), opener=("action:exp_submit_open", "{team}:2"), opener_role="protege"
    ),
    "view:exp_comment": Row(frozenset({"mentor"}), metadata='{"team": {team}, "n": 1, "sub": 1}'),
    "view:exp_discuss": Row(
        frozenset({"protege"}), metadata='{"team": {team}, "n": 1, "comment": 1}'
    ),
    # Visit Report, PD verification, self-assessment
    "action:visit_open": Row(frozenset({"mentor"}), value="{team}"),
    "action:visit_review_open": Row(READERS, value="{team}:1"),
    "action:visit_confirm": Row(frozenset({"protege"}), value="{team}:1"),
    "action:visit_change_open": Row(frozenset({"protege"}), value="{team}:1"),
    "view:visit_file": Row(frozenset({"mentor"}), opener=("action:visit_open", "{team}")),
    "view:visit_change": Row(frozenset({"protege"}), metadata='{"team": {team}, "report": 1}'),
    "action:pd_open": Row(frozenset({"protege"}), value="{team}:1"),
    "action:pd_sign_open": Row(frozenset({"mentor"}), value="{team}:1"),
    "view:pd_file": Row(
        frozenset({"protege"}), opener=("action:pd_open", "{team}:2"), opener_role="protege"
    ),
    "view:pd_sign": Row(frozenset({"mentor"}), metadata='{"team": {team}, "form": 1}'),
    "action:assessment_open": Row(frozenset({"protege"}), value="{team}"),
    # Year two only: team 1 is year one, so the forged form is refused for everyone.
    "view:assessment_file": Row(frozenset({"protege"}), metadata='{"team": {team}}'),
    # progress and Home
    "action:progress_open": Row(READERS, value="{team}"),
    "event:app_home_opened": Row(ALL),
    "event:message": Row(ALL),  # a DM typed to the bot: answered with the sender's own steps
    # end-of-year survey (issue 6, in progress when this table was written)
    "command:survey": Row(ANY_MEMBER),
    "action:survey_open": Row(MEMBERS, value="{team}"),
    "view:survey_submit": Row(MEMBERS, metadata='{"team": {team}}'),
    "action:home_pair": Row(STAFF_ONLY),
    "action:home_import": Row(STAFF_ONLY),
    "action:home_report": Row(ANY_ADVISOR),
    # Slack's events about accounts: sent by Slack, about nobody's request
    "event:user_change": Row(ALL),
    "event:app_uninstalled": Row(ALL),
    "event:tokens_revoked": Row(ALL),
}


# -- the app's listeners -------------------------------------------------------------------


def listener_ids(app) -> set[str]:
    """Every listener of the Bolt app and every /mentor subcommand, as ROWS keys."""
    found: set[str] = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            names = pyinspect.getclosurevars(matcher.func).nonlocals
            if "command" in names:
                router = listener.ack_function.__self__.router  # the command's DirectCommand
                found.update(f"command:{name}" for name in router._routes)
            elif "callback_id" in names:
                found.add(f"view:{names['callback_id']}")
            elif "event_type" in names:
                found.add(f"event:{names['event_type']}")
            elif "constraints" in names:
                constraint = names["constraints"]
                if isinstance(constraint, str):
                    found.add(f"action:{constraint}")
                else:  # a pattern: every id it stands for needs a row
                    found.update(
                        key
                        for key in ROWS
                        if key.startswith("action:") and constraint.match(key[len("action:") :])
                    )
                    found.add(f"action-pattern:{constraint.pattern}")
            else:
                raise AssertionError(f"a listener the matrix cannot name: {names}")
    return found


PATTERN_ROWS = {
    "action-pattern:^plans_pick_(focal|decisions|plan)$": "action:plans_pick_focal",
    # Buttons that may repeat in one row (Home tab forms, the log list's arrows), numbered.
    **{
        f"action-pattern:{numbered(action_id).pattern}": f"action:{action_id}"
        for action_id in (
            "exp_submit_open",
            "exp_comment_open",
            "exp_review_open",
            "pd_open",
            "logs_page",
            "advisor_duty_done",
        )
    },
}


def test_every_listener_has_a_row(sqlite_url, standin, program) -> None:
    fake, api_url = standin
    engine = make_engine(sqlite_url)
    settings = make_settings(sqlite_url, api_url)
    app = create_app(Services(settings, program, make_session_factory(engine)))
    ids = listener_ids(app)
    engine.dispose()
    missing = sorted(i for i in ids if i not in ROWS and PATTERN_ROWS.get(i) not in ROWS)
    assert not missing, f"listeners without a row in ROWS (tests/test_access_matrix.py): {missing}"
    stale = sorted(k for k in ROWS if k not in ids)
    assert not stale, f"rows for listeners that no longer exist: {stale}"


# -- the world -----------------------------------------------------------------------------


@pytest.fixture
def world(sqlite_url, standin, program):
    fake, _ = standin
    for user_id in [*EVERYONE.values(), OTHER_PROTEGE, *ELSEWHERE, "U0NEWPERS"]:
        fake.add_user(user_id, f"Person {user_id[-4:]}")
    receiver = ResponseUrl()  # where a command's later answer goes: read as the rest is
    with serve_app(sqlite_url, standin, program) as (base, services):
        object.__setattr__(services, "clock", lambda: NOW)
        team_id = _seed(services)
        names = {"team": str(team_id), "protege": PEOPLE["protege"], "response_url": receiver.url}
        entry_id = _log_entry(base, fake, names)
        names |= {"entry": f"{entry_id}:1", "entry_id": str(entry_id)}
        _file_secrets(base, fake, names)
        yield base, services, fake, names, receiver
    receiver.close()


def _seed(services) -> int:
    with transaction(services.sessions) as session:

        def person(slack_id: str):
            return get_or_create_person(session, slack_id, NOW, tz="America/Chicago")

        def team_of(mentor: str, protege: str, advisor: str, track: str = "year1") -> Team:
            return add_team(
                session,
                program_id=services.program.id,
                mentor=person(mentor),
                protege=person(protege),
                advisor=person(advisor),
                area="bmit",
                track=track,
                start_date=date(2024, 8, 26),
                created_by=STAFF,
                now=NOW,
            )

        changed = {role: slack_id for role, (slack_id, _) in CHANGED.items()}
        # Team 1 began with other people in two of its seats: they were replaced.
        team = team_of(changed["replaced_mentor"], PEOPLE["protege"], changed["replaced_advisor"])
        for role in ("mentor", "advisor"):
            replace_member(session, team, role, person(PEOPLE[role]), "Moved.", STAFF, NOW)
        team_of(PEOPLE["other_member"], OTHER_PROTEGE, PEOPLE["other_advisor"])
        ended = team_of(changed["ended_mentor"], changed["ended_protege"], PEOPLE["other_advisor"])
        end_team(session, ended, TeamStatus.WITHDRAWN, "Moved away.", STAFF, NOW)
        for role, grant_of in (("revoked_staff", Role.STAFF), ("revoked_advisor", Role.ADVISOR)):
            someone = person(changed[role])
            grant(session, someone, grant_of, STAFF, NOW)
            revoke(session, someone, grant_of, STAFF, NOW)
        other = PEOPLE["other_advisor"]
        team_of(changed["two_teams_mentor"], ELSEWHERE[0], other)
        team_of(changed["two_teams_mentor"], ELSEWHERE[1], other)
        team_of(ELSEWHERE[2], changed["year_two_protege"], other, track="year2")
        grant(session, person(changed["staff_member"]), Role.STAFF, STAFF, NOW)
        team_of(changed["staff_member"], ELSEWHERE[3], other)
        return team.id


def _log_entry(base: str, fake, names: dict[str, str]) -> int:
    """The mentor logs a conversation the way they would: for co-sign and edit buttons."""
    press(base, PEOPLE["mentor"], "log_open", f"{names['team']}:2024-09")
    _file(base, fake, "mentor", names, "log")
    return 1


# Every free-text field team 1's people file carries a marker; a refused person must never
# be shown one. Each record kind gets id 1 (team 2 files nothing), the ids the rows name.
MARKER = "ZZSECRET"
_MARKED = re.compile(MARKER + r"-[A-Za-z0-9_-]+", re.IGNORECASE)
# Fields that take a format, not free text: filled with a valid value, unmarked.
_FORMATTED = {
    "log_minutes": "30",
    "hours": "1.5",
    "school_phone": "(573) 555-0100",
    "cell_phone": "(573) 555-0101",
    "admin_phone": "(573) 555-0102",
}


def _file(
    base: str,
    fake,
    role: str,
    names: dict[str, str],
    tag: str,
    blank: tuple[str, ...] = (),
    shown: dict[str, Any] | None = None,
    **chosen: str,
) -> Any:
    """`role` files the form the app last opened (or the one `shown` in answer to a step
    before), every free-text field marked but those in `blank`, left empty; `chosen` picks
    an option (by value) for a select block."""
    view = shown or last_opened_view(fake)
    values = fill(view, names)
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") != "input":
            continue
        block_id, kind = block["block_id"], element.get("type")
        slot = values[block_id][element["action_id"]]
        options = element.get("options") or [
            o for group in element.get("option_groups", []) for o in group["options"]
        ]
        if block_id in chosen:
            slot["selected_option"] = next(o for o in options if o["value"] == chosen[block_id])
        elif block_id.startswith("dp_top_"):  # concern n: a different area each
            slot["selected_option"] = options[int(block_id.rsplit("_", 1)[1]) - 1]
        elif block_id in blank:
            slot["value"] = ""
        elif block_id in _FORMATTED:
            slot["value"] = _FORMATTED[block_id]
        elif "email" in block_id:
            slot["value"] = f"{MARKER}-{tag}-{block_id}@school.example.org".lower()
        elif kind == "url_text_input":
            slot["value"] = f"https://docs.example.org/{MARKER}-{tag}-{block_id}"
        elif kind == "plain_text_input":
            slot["value"] = f"{MARKER}-{tag}-{block_id}"
    view = {**view, "id": f"V0SEED{tag.upper()}"}  # a view of its own, not a replay
    status, answer = submit(base, PEOPLE[role], view, values)
    assert status == 200 and not (isinstance(answer, dict) and answer.get("errors")), (tag, answer)
    return answer


def _dm_button(fake, user: str, action_id: str) -> str:
    """The value of the newest button `action_id` in a DM the app sent to `user`."""
    for call in reversed(fake.calls_to("chat.postMessage")):
        if call.params.get("channel") != user:
            continue
        for block in call.params.get("blocks") or []:
            for element in [*block.get("elements", []), block.get("accessory") or {}]:
                if element.get("action_id") == action_id:
                    return element.get("value", "")
    raise AssertionError(f"no {action_id} button was sent to {user}")


def _open(base: str, fake, role: str, action_id: str, value: str) -> None:
    """`role` presses a button that opens a form: this one, not one opened before."""
    opened = len(fake.calls_to("views.open"))
    status, answer = press(base, PEOPLE[role], action_id, value)
    assert status == 200, answer
    assert len(fake.calls_to("views.open")) > opened, (action_id, answer)


def _file_secrets(base: str, fake, names: dict[str, str]) -> None:
    """Team 1 files every form with free text, the way its people would."""
    team = names["team"]
    for role in ("mentor", "protege"):
        _open(base, fake, role, "contact_open", "")
        _file(base, fake, role, names, f"contact_{role}")
    _open(base, fake, "mentor", "plans_open_decisions", team)
    areas = _file(base, fake, "mentor", names, "decision_areas")
    _file(base, fake, "mentor", names, "decisions", shown=areas["view"])
    _open(base, fake, "mentor", "plans_open_plan", team)
    _file(
        base,
        fake,
        "mentor",
        names,
        "plan",
        blank=("imp_other_1", "imp_other_2", "imp_other_3"),
        **{f"imp_selection_{n}": str(n) for n in range(1, 4)},
        imp_selection_4="other",
    )
    _open(base, fake, "protege", "exp_submit_open", f"{team}:1")
    _file(base, fake, "protege", names, "experience", ("other_description",), selection="1")
    _open(
        base,
        fake,
        "mentor",
        "exp_comment_open",
        _dm_button(fake, PEOPLE["mentor"], "exp_comment_open"),
    )
    _file(base, fake, "mentor", names, "comment")
    _open(base, fake, "mentor", "visit_open", team)
    _file(base, fake, "mentor", names, "visit")
    _open(base, fake, "protege", "pd_open", f"{team}:1")
    _file(base, fake, "protege", names, "pd")
    _open(base, fake, "mentor", "pd_sign_open", _dm_button(fake, PEOPLE["mentor"], "pd_sign_open"))
    _file(base, fake, "mentor", names, "pd_sign")
    _open(base, fake, "mentor", "silence_partner_open", team)
    _file(base, fake, "mentor", names, "partner")
    # What a protégé answers back: a dispute (of a second entry: the rows confirm the
    # first), a "let's discuss" note and a change asked of the visit report.
    _open(base, fake, "mentor", "log_open", f"{team}:2024-09")
    _file(base, fake, "mentor", names, "log2")
    _open(base, fake, "protege", "log_dispute", _dm_button(fake, PEOPLE["protege"], "log_dispute"))
    _file(base, fake, "protege", names, "dispute")
    _open(
        base,
        fake,
        "protege",
        "exp_discuss_open",
        _dm_button(fake, PEOPLE["protege"], "exp_discuss_open"),
    )
    _file(base, fake, "protege", names, "discuss")
    _open(
        base,
        fake,
        "protege",
        "visit_change_open",
        _dm_button(fake, PEOPLE["protege"], "visit_change_open"),
    )
    _file(base, fake, "protege", names, "visit_change")
    # What the content advisor writes: the reason a plan goes back (the rows then review
    # plan 1 as returned). Team 1 is not silent: no reached-out note can be written.
    _open(base, fake, "advisor", "plans_review_return", "1")
    _file(base, fake, "advisor", names, "plan_return")


def fill(view: dict[str, Any], names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Valid-looking state values for every input of `view`."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        values[block["block_id"]] = {element["action_id"]: _fill_one(element, names)}
    return values


def _fill_one(element: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    kind = element["type"]
    options = element.get("options") or [
        o for group in element.get("option_groups", []) for o in group["options"]
    ]
    if kind == "plain_text_input":
        return {"type": kind, "value": "We met after school and talked about the first weeks."}
    if kind == "number_input":
        return {"type": kind, "value": "1"}
    if kind == "datepicker":
        return {"type": kind, "selected_date": "2024-09-09"}
    if kind == "timepicker":
        return {"type": kind, "selected_time": "15:30"}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": options[0] if options else None}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": options}
    if kind == "users_select":
        return {"type": kind, "selected_user": names["protege"]}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": [names["protege"]]}
    return {"type": kind}


# -- sending and checking -----------------------------------------------------------------


def database_digest(services) -> str:
    """Every row of every table: 'nothing changed' is checked against this."""
    digest = hashlib.sha256()
    with services.sessions() as session:
        for name in sorted(inspect(session.get_bind()).get_table_names()):
            if name == "deliveries":
                # Inbound request claims (bot/platform/inbound.py) are bookkeeping, not a change.
                query = "SELECT * FROM deliveries WHERE kind != 'inbound' ORDER BY id"
            else:
                query = f'SELECT * FROM "{name}" ORDER BY 1'
            for row in session.execute(text(query)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def send(base: str, fake, names, key: str, row: Row, user: str) -> tuple[int, Any]:
    kind, _, name = key.partition(":")
    if kind == "command":
        args = row.args.format(**names)
        return slash_command(
            base + "/slack/events",
            SIGNING_SECRET,
            user,
            f"{name} {args}",
            response_url=names["response_url"],
        )
    if kind == "action":
        return press(base, user, name, row.value.format(**names))
    if kind == "event":
        return _event(base, user, name)
    view = _view_for(base, fake, names, name, row)
    return submit(base, user, view, fill(view, names))


def _view_for(base: str, fake, names, callback_id: str, row: Row) -> dict[str, Any]:
    if row.opener is not None:
        opener_key, value = row.opener
        opener_row = ROWS[opener_key]
        opener_row = Row(opener_row.allowed, value=value, args=opener_row.args)
        status, _ = send(base, fake, names, opener_key, opener_row, PEOPLE[row.opener_role])
        assert status == 200
        view = last_opened_view(fake)
        assert view["callback_id"] == callback_id, f"{row.opener} opened {view['callback_id']}"
        return view
    metadata = (row.metadata or "").replace("{team}", names["team"])
    return {"type": "modal", "callback_id": callback_id, "private_metadata": metadata, "blocks": []}


def _event(base: str, user: str, event_type: str) -> tuple[int, str]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEST",
            "api_app_id": "A0TEST",
            "event_id": f"Ev{user}{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"type": event_type, "user": user, "tab": "home", "channel": "D0X"},
        }
    )
    return post(base + "/slack/events", body, SIGNING_SECRET, content_type="application/json")


# A refusal may re-show the form it refused (with the reason); it may not open a new one.
FORM_METHODS = ("views.open", "views.push")


def _effects(fake, since: int) -> list:
    return fake.calls[since:]


def _says_sorry(answer: Any, calls: list) -> bool:
    texts = [str(answer)] + [str(c.params) for c in calls]
    return any("something went wrong" in t for t in texts)


def _opens_a_form(calls: list, forged_view: dict[str, Any] | None) -> bool:
    for call in calls:
        if call.method in FORM_METHODS and (call.params.get("view") or {}).get("submit"):
            return True
    return False


def _markers(*shown: Any) -> list[str]:
    """The markers in what was shown: an answer, a call's parameters, a view."""
    return [m for item in shown for m in _MARKED.findall(json.dumps(item, default=str))]


ROW_KEYS = sorted(ROWS)


@pytest.mark.parametrize("key", ROW_KEYS)
def test_access(world, key: str) -> None:
    base, services, fake, names, receiver = world
    row = ROWS[key]
    may = {role for role in EVERYONE if STANDS_AS[role] & row.allowed}
    refused = [r for r in EVERYONE if r not in may]
    allowed = [r for r in EVERYONE if r in may]
    problems: list[str] = []
    for role in refused + allowed:  # refusals first: they must leave the world as it was
        user = EVERYONE[role]
        if key.startswith("view:"):
            view = _view_for(base, fake, names, key[len("view:") :], row)
            before_db, since, posted = (
                database_digest(services),
                len(fake.calls),
                len(receiver.posts),
            )
            status, answer = submit(base, user, view, fill(view, names))
        else:
            before_db, since, posted = (
                database_digest(services),
                len(fake.calls),
                len(receiver.posts),
            )
            status, answer = send(base, fake, names, key, row, user)
        calls = _effects(fake, since)
        # The app settles before it answers: a later answer to the response URL is in already.
        later = receiver.posts[posted:]
        if status != 200:
            problems.append(f"{role}: HTTP {status} {answer!r:.200}")
            continue
        # A re-shown form may carry what the submitted view already held: that is not news.
        known = set(_markers(view)) if key.startswith("view:") else set()
        if _says_sorry(answer, calls) or _says_sorry(later, []):
            problems.append(f"{role}: an error answer {answer!r:.200}")
        if role in may:
            continue
        if database_digest(services) != before_db:
            problems.append(f"{role}: refused, but the database changed")
        if _opens_a_form(calls, None):
            problems.append(f"{role}: refused, but a form opened")
        others = {
            c.params.get("channel")
            for c in calls
            if c.method == "chat.postMessage" and c.params.get("channel") not in (user, None)
        }
        if others:
            problems.append(f"{role}: refused, but {sorted(others)} heard about it")
        shown = sorted(set(_markers(answer, later, *(c.params for c in calls))) - known)
        if shown and not STANDS_AS[role] & READERS:  # team 1's readers may see its filings
            problems.append(f"{role}: refused, but shown team 1's {shown}")
    assert not problems, f"{key}: " + "; ".join(problems)


def test_the_matrix_covers_every_role_and_a_refusal_for_each_team_action() -> None:
    assert set(ROLES) == {
        "staff",
        "advisor",
        "other_advisor",
        "mentor",
        "protege",
        "other_member",
        "stranger",
    }
    team_rows = [k for k, r in ROWS.items() if "{team}" in r.value or r.opener or r.metadata]
    assert all(ROWS[k].allowed != ALL for k in team_rows if k != "view:contact_form")


FILED = {
    "log",
    "contact_mentor",
    "contact_protege",
    "decisions",
    "plan",
    "experience",
    "comment",
    "visit",
    "pd",
    "pd_sign",
    "partner",
    "log2",
    "dispute",
    "discuss",
    "visit_change",
    "plan_return",
}


def test_the_world_files_every_marked_record_of_team_1_under_the_ids_the_rows_name(world) -> None:
    base, services, fake, names, receiver = world
    team = int(names["team"])
    dump: list[Any] = []
    with services.sessions() as session:
        for name in inspect(session.get_bind()).get_table_names():
            dump.extend(tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}"')))
        assert session.get(CommunicationLog, 1).team_id == team
        assert session.get(MentoringPlan, 1).team_id == team
        assert (session.get(Experience, 1).team_id, session.get(Experience, 1).number) == (team, 1)
        assert session.get(ExperienceSubmission, 1).experience_id == 1
        assert session.get(MentorComment, 1).experience_id == 1
        assert session.get(VisitReport, 1).team_id == team
        assert (session.get(PdVerification, 1).team_id, session.get(PdVerification, 1).number) == (
            team,
            1,
        )
    filed = {m.split("-")[1].lower() for m in _markers(dump)}
    assert filed == FILED


@pytest.mark.parametrize(
    ("key", "tag"),
    [
        ("command:logs", "log"),
        ("command:team", "contact_protege"),
        ("action:log_view", "log"),
    ],
)
def test_team_1s_readers_are_shown_its_markers(world, key: str, tag: str) -> None:
    """The markers reach those who may read them: their absence for others means something."""
    base, services, fake, names, receiver = world
    for role in ("advisor", "staff"):
        since, posted = len(fake.calls), len(receiver.posts)
        status, answer = send(base, fake, names, key, ROWS[key], PEOPLE[role])
        assert status == 200
        answer = [answer, receiver.posts[posted:]]
        shown = {
            m.split("-")[1].lower()
            for m in _markers(answer, *(c.params for c in fake.calls[since:]))
        }
        assert tag in shown, (role, shown)
