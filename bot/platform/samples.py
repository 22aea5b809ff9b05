"""Sample messages and Home tabs for `mentorbot doctor`: the real builders of every feature,
fed made-up people and teams, so that real Slack can be shown what the bot sends.

The sample teams live in a throw-away SQLite file, migrated like the real one: the Home tabs
and the status messages are built from it by the same code that reads the real database.
Sample people have ids no workspace has (`U0SAMPLE…`); Slack shows them as unknown users.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.accounts.views import Seat, deactivated_message
from bot.advisor import views as advisor_views
from bot.completion.rules import CompletionSummary, Step
from bot.completion.views import summary_message
from bot.experiences import views as experience_views
from bot.experiences.rules import ExperienceState, experience_state, step_deadlines
from bot.home.calendar import calendar_message, topic_message
from bot.home.reply import TeamNext, dm_reply_message
from bot.home.topics import topic_prompt
from bot.logs import views as log_views
from bot.logs.rules import shown_log
from bot.meetings.views import OPEN as ATTENDANCE_OPEN
from bot.plans import checklists
from bot.plans import views as plan_views
from bot.plans.rules import PlanRecord, PlanSlot, TeamPeople
from bot.platform.config import Settings
from bot.platform.services import Services
from bot.platform.slack_client import RecordingClient
from bot.program import Program
from bot.program.kinds import StepKind
from bot.reports import views as report_views
from bot.reports.rules import shown_pd, shown_visit
from bot.silence import views as silence_views
from bot.silence.views import SilentTeam
from bot.slack.blocks import button
from bot.slack.text import typed
from bot.status import progress as progress_views
from bot.status import rules as status_rules
from bot.status import views as status_views
from bot.status.deliverables import OVERDUE, DeliverableStatus, deliverables_for
from bot.status.semester import TeamProgress, progress_dates, summaries_by_advisor
from bot.survey.views import survey_message
from bot.teams.changes import ending_message
from bot.teams.views import MemberCard, TeamCard, team_cards_message
from bot.teams.welcome import welcome_message
from bot.years.rules import new_steps
from bot.years.views import OfferedFile, offered_message, year_two_welcome
from schedules.digest import compose as compose_digest
from storage.db import make_engine, make_session_factory, transaction, upgrade
from storage.experiences import (
    Experience,
    ExperienceStatus,
    ExperienceSubmission,
    MentorComment,
    PdStatus,
    PdVerification,
    VisitReport,
    VisitStatus,
)
from storage.logs import CommunicationLog, LogMode
from storage.people import active_teams, add_team, get_or_create_person

STAFF = "U0SAMPLESTAFF"
ADVISOR = "U0SAMPLEADVISOR"
MENTOR = "U0SAMPLEMENTOR"
PROTEGE = "U0SAMPLEPROTEGE"
NOBODY = "U0SAMPLENOBODY"  # in the workspace, on no team
LINK = "https://example.org/sample-experience"
# Each role's Home tab, built for the sample person who has that role.
HOME_ROLES = (
    ("staff", STAFF),
    ("content advisor", ADVISOR),
    ("mentor", MENTOR),
    ("protégé", PROTEGE),
    ("no team", NOBODY),
)

# A message as Slack takes it: the notification text and the blocks.
Message = tuple[str, list[dict[str, Any]]]

# Publishes the Home tab of each user id: handlers.home.republish_home, which `bot/` may
# not import, handed in by the command line.
HomePublisher = Callable[[Services, WebClient, Sequence[str]], None]


@dataclass(frozen=True)
class Sample:
    """One kind of message the bot sends, built by the real builder from sample data."""

    label: str
    build: Callable[[], Message]


@dataclass(frozen=True)
class SampleWorld:
    services: Services
    today: date
    team_id: int  # the sample mentor and protégé's team (the program's first track)
    statuses: tuple[DeliverableStatus, ...]  # that team's deliverables
    standings: tuple[status_rules.TeamStanding, ...]  # every sample team's
    progress: tuple[TeamProgress, ...]  # the semester notes' data, for the sample advisor

    @property
    def program(self) -> Program:
        return self.services.program


@contextmanager
def sample_world(settings: Settings, program: Program, today: date) -> Iterator[SampleWorld]:
    """A team on each track of the program (the first one the sample mentor and protégé's),
    all advised by the sample advisor, in a migrated SQLite file removed afterwards.
    `today` is moved into the school year when it falls outside."""
    day = min(max(today, program.start), program.end)
    now = datetime.combine(day, time(12), program.tz).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="mentorbot-samples-") as folder:
        url = f"sqlite:///{Path(folder) / 'samples.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            sessions = make_session_factory(engine)
            team_id = _add_teams(sessions, program, now)
            services = Services(
                replace(settings, staff_ids=(STAFF,), database_url=url),
                program,
                sessions,
                clock=lambda: now,
            )
            with sessions() as session:
                teams = active_teams(session, program.id)
                first = next(t for t in teams if t.id == team_id)
                statuses = deliverables_for(session, program, [first], day)[team_id]
                standings = status_rules.program_standings(session, program, teams, day)
                progress = summaries_by_advisor(session, program, teams, day).get(ADVISOR, [])
            yield SampleWorld(
                services, day, team_id, tuple(statuses), tuple(standings), tuple(progress)
            )
        finally:
            engine.dispose()


def _add_teams(sessions: Any, program: Program, now: datetime) -> int:
    with transaction(sessions) as session:
        advisor = get_or_create_person(session, ADVISOR, now, "Sample Advisor")
        get_or_create_person(session, NOBODY, now, "Sample Newcomer")
        ids = []
        for n, track in enumerate(program.tracks):
            suffix = "" if n == 0 else str(n + 1)
            team = add_team(
                session,
                program_id=program.id,
                mentor=get_or_create_person(session, MENTOR + suffix, now, "Sample Mentor"),
                protege=get_or_create_person(session, PROTEGE + suffix, now, "Sample Protégé"),
                advisor=advisor,
                area=program.areas[0].id,
                track=track.id,
                start_date=program.start,
                created_by=STAFF,
                now=now,
            )
            session.flush()
            ids.append(team.id)
        return ids[0]


def home_views(world: SampleWorld, publish: HomePublisher) -> list[tuple[str, dict[str, Any]]]:
    """Each role's Home tab as the bot builds it, for publishing to someone else."""
    return [(role, home_view(world.services, publish, user)) for role, user in HOME_ROLES]


def home_view(services: Services, publish: HomePublisher, user: str) -> dict[str, Any]:
    """The view `publish` would send for `user`, caught instead of sent."""
    recorder = RecordingClient()
    publish(services, recorder, [user])
    published = [params for method, params in recorder.calls if method == "views.publish"]
    if not published:
        raise RuntimeError("the Home tab could not be built")
    view: dict[str, Any] = published[-1]["view"]
    return view


# --- the messages ---------------------------------------------------------------------------


def samples(world: SampleWorld) -> list[Sample]:
    """A sample of each kind of message the bot sends: the tick's notices (and a digest of
    several), the DMs that follow a person's action, and the answers to /mentor."""
    return [*_scheduled(world), *_after_actions(world), *_answers(world)]


def _scheduled(world: SampleWorld) -> list[Sample]:
    program, today, team = world.program, world.today, world.team_id
    track = program.tracks[0]
    topic = program.topic_for(today.year, today.month) or program.topics[0]
    log_due = _log_due(program, today)
    month = f"{log_due.year}-{log_due.month:02d}"
    first = [d for d in program.deadlines(track.id) if d.due >= today][:3]
    status = _status(world)
    heading = _heading(world)
    silent = _silent(world)
    spell = today - timedelta(days=21)
    survey_due = today + timedelta(days=14)
    meeting = next((d for d in program.deadlines(track.id) if d.is_(StepKind.MEETING)), None)

    def welcome(role: str) -> Message:
        return welcome_message(
            role,
            mentor=MENTOR,
            protege=PROTEGE,
            advisor=ADVISOR,
            program_name=program.name,
            area_name=program.areas[0].name,
            track_name=track.name,
            first_deadlines=first,
            names=progress_views.step_names(program, first),
            today=today,
        )

    def semester() -> Message:
        label = next(iter(progress_dates(program)), None)
        messages = status_views.semester_messages(
            program.name, label.label if label else "semester one", world.progress
        )
        return messages[0]

    def completion() -> Message:
        summary = CompletionSummary(
            team_id=team,
            program_name=program.name,
            school_year=program.school_year,
            area_name=program.areas[0].name,
            track_name=track.name,
            mentor=MENTOR,
            protege=PROTEGE,
            started=today - timedelta(days=200),
            steps=tuple(
                Step(progress_views.step_name(program, s.deadline), s.due, s.due)
                for s in world.statuses
            ),
        )
        return summary_message(summary)

    scheduled = [
        Sample("welcome (mentor)", lambda: welcome("mentor")),
        Sample("welcome (protégé)", lambda: welcome("protege")),
        Sample("welcome (content advisor)", lambda: welcome("advisor")),
        Sample("year-two welcome (mentor)", lambda: year_two(program, today, "mentor")),
        Sample(
            "monthly topic",
            lambda: topic_prompt(topic, "mentor", PROTEGE, log_due, today, team),
        ),
        Sample(
            "Communication Log reminder",
            lambda: log_views.nudge_message(
                month=month,
                topic=topic,
                due=log_due,
                today=today,
                team_id=team,
                protege_id=PROTEGE,
            ),
        ),
        Sample(
            "Communication Log overdue (advisor)",
            lambda: log_views.overdue_message(
                month=month,
                due=log_due,
                today=log_due + timedelta(days=3),
                team_id=team,
                mentor_id=MENTOR,
                protege_id=PROTEGE,
            ),
        ),
        Sample(
            "deadline reminder",
            lambda: progress_views.reminder_message(
                program,
                status,
                "protege",
                heading,
                today,
                progress_views.opener_for(status, "protege", team),
            ),
        ),
        *(
            [
                Sample(
                    "meeting reminder",
                    lambda: progress_views.meeting_reminder_message(
                        program, meeting, [status], MENTOR, team, today
                    ),
                )
            ]
            if meeting is not None
            else []
        ),
        Sample(
            "overdue step (advisor)",
            lambda: progress_views.overdue_message(program, status, heading, today),
        ),
        Sample("silent team", lambda: silence_views.alert_message(silent, spell, today)),
        Sample("advisor's morning message", lambda: _advisor_lines(team)),
        Sample(
            "silent team, reminder",
            lambda: silence_views.alert_message(silent, spell, today, reminder=True),
        ),
        Sample(
            "silent team, to staff",
            lambda: silence_views.escalation_message(silent, ADVISOR, spell, today),
        ),
        Sample(
            "back in touch",
            lambda: silence_views.back_in_touch_message(MENTOR, PROTEGE, today, today),
        ),
        Sample(
            "deactivated account (staff)",
            lambda: deactivated_message(MENTOR, [Seat(team, "mentor", MENTOR, PROTEGE)]),
        ),
        Sample(
            "DM Slack cannot deliver (staff)",
            lambda: deactivated_message(
                ADVISOR, [Seat(team, "advisor", MENTOR, PROTEGE)], "channel_not_found"
            ),
        ),
        Sample("semester progress", semester),
        Sample("completion summary", completion),
        Sample("survey", lambda: survey_message(team, MENTOR, survey_due, today, reminder=False)),
        Sample(
            "survey reminder",
            lambda: survey_message(team, MENTOR, survey_due, today, reminder=True),
        ),
    ]
    # What one person gets when several notices are due at one tick: one message of them all.
    due_together = {"monthly topic", "Communication Log reminder", "deadline reminder"}
    parts = [sample.build for sample in scheduled if sample.label in due_together]
    digest = Sample("digest of the day", lambda: compose_digest([part() for part in parts]))
    return [*scheduled, digest]


def _after_actions(world: SampleWorld) -> list[Sample]:
    program, today, team = world.program, world.today, world.team_id
    people = TeamPeople(team, MENTOR, PROTEGE, ADVISOR, program.areas[0].name, program.tracks[0].id)
    # The sample records become view data the way the app's do (typed text for what people typed).
    entry = shown_log(_log_entry(world))
    topics = {t.month_id: t.title for t in program.topics}
    plan = _plan(world)
    state = _experience(world)
    visit = shown_visit(_visit(world))
    pd = shown_pd(_pd(world))
    ratings = {
        (c, i): 1 + (i % 3)
        for c, category in enumerate(program.focal_points)
        for i, _ in enumerate(category.items)
    }
    top = [item for category in program.decision_points for item in category.items][:3]
    when = "today"
    return [
        Sample("Communication Log to co-sign", lambda: log_views.cosign_message(entry, topics)),
        Sample(
            "Communication Log co-signed",
            lambda: log_views.cosign_answered_message(entry, topics, program.tz),
        ),
        Sample("Communication Log disputed", lambda: log_views.disputed_message(entry, topics)),
        Sample(
            "Focal Points Checklist filed",
            lambda: checklists.focal_points_filed_dm(program, people, ratings, revised=False),
        ),
        Sample(
            "Decision Points Checklist filed",
            lambda: checklists.decision_points_filed_dm(people, PROTEGE, top, revised=False),
        ),
        Sample(
            "Individual Mentoring Plan to approve",
            lambda: plan_views.plan_review_message(program, people, plan, today, to_staff=False),
        ),
        Sample(
            "Individual Mentoring Plan sent",
            lambda: plan_views.plan_submitted_notice(people, plan, [ADVISOR]),
        ),
        Sample(
            "Individual Mentoring Plan received",
            lambda: plan_views.plan_received_notice(plan),
        ),
        Sample(
            "Individual Mentoring Plan approved",
            lambda: plan_views.plan_approved_notice(program, plan, today),
        ),
        Sample(
            "Individual Mentoring Plan returned",
            lambda: plan_views.plan_returned_notice(people, plan),
        ),
        Sample(
            "experience sent to the mentor",
            lambda: experience_views.submitted_message(
                program, state, team, PROTEGE, today, revised=False
            ),
        ),
        Sample(
            "Mentor Comment Form to review",
            lambda: experience_views.review_message(program, state, team, MENTOR, today),
        ),
        Sample(
            "experience to discuss",
            lambda: experience_views.discuss_message(
                team, 1, PROTEGE, typed("Can we talk Tuesday?")
            ),
        ),
        Sample(
            "experience agreed",
            lambda: experience_views.agreed_message(1, PROTEGE, MENTOR, when),
        ),
        Sample("experience done", lambda: experience_views.done_message(1, "Both of you signed.")),
        Sample(
            "Visit Report to confirm",
            lambda: report_views.visit_review_message(program, visit, team, MENTOR, PROTEGE, today),
        ),
        Sample(
            "Visit Report change asked",
            lambda: report_views.visit_change_message(
                team, 1, PROTEGE, typed("The date was the 4th.")
            ),
        ),
        Sample(
            "Visit Report confirmed",
            lambda: report_views.visit_confirmed_message(MENTOR, PROTEGE, when),
        ),
        Sample(
            "PD Verification Form to sign",
            lambda: report_views.pd_filed_message(program, pd, team, MENTOR, PROTEGE, today),
        ),
        Sample(
            "PD Verification Form signed",
            lambda: report_views.pd_signed_message(program, pd, MENTOR, PROTEGE, today),
        ),
        Sample(
            "Assessment Activity",
            lambda: report_views.assessment_message(PROTEGE, typed(LINK)),
        ),
        Sample(
            "partner not responding",
            lambda: silence_views.partner_report_message(
                _silent(world), PROTEGE, today, typed("No answer since the 3rd."), today
            ),
        ),
        Sample(
            "answer to a DM typed to the bot",
            lambda: dm_reply_message(
                [
                    TeamNext(
                        team,
                        MENTOR,
                        progress_views.opener_for(_status(world), "protege", team),
                        ADVISOR,
                    )
                ],
                [STAFF],
            ),
        ),
        Sample(
            "team ended",
            lambda: (
                ending_message("ended", typed("The protégé moved away."), MENTOR, PROTEGE),
                [],
            ),
        ),
    ]


def _answers(world: SampleWorld) -> list[Sample]:
    program, today = world.program, world.today
    track = program.tracks[0]
    summary = status_rules.summarize(program, world.standings, today)
    heading = _heading(world)
    checklist = progress_views.checklist_blocks(program, world.statuses, heading, today)
    card = TeamCard(
        world.team_id,
        program.areas[0].name,
        track.name,
        program.start,
        "active",
        typed(None),
        [
            MemberCard(
                MENTOR,
                "Mentor",
                typed("mentor@example.org"),
                None,
                typed(None),
                typed(None),
                "Slack",
            ),
            MemberCard(
                PROTEGE,
                "Protégé",
                typed("protege@example.org"),
                None,
                typed(None),
                typed(None),
                "Phone",
            ),
            MemberCard(
                ADVISOR,
                "Content advisor",
                typed("advisor@example.org"),
                None,
                typed("573-555-0142"),
                typed(None),
                None,
                typed("200 Example Hall"),
                typed("Jefferson City, MO 65101"),
            ),
        ],
        ["registered by staff"],
        contacts=program.contacts,
    )
    upcoming = [d for d in program.deadlines(track.id) if d.due >= today][
        :10
    ]  # as /mentor calendar
    this_topic = program.topic_for(today.year, today.month)
    return [
        Sample(
            "/mentor status",
            lambda: status_views.status_message(program, summary, "Program status"),
        ),
        Sample(
            "/mentor overdue",
            lambda: status_views.overdue_message(
                program, status_rules.overdue_items(program, world.standings, today), today
            ),
        ),
        Sample(
            "/mentor completers",
            lambda: status_views.completers_message(
                program, status_rules.completers(world.standings), len(world.standings)
            ),
        ),
        Sample(
            "/mentor silent",
            lambda: silence_views.silent_list([_silent(world)], [], today, "your teams"),
        ),
        Sample(
            "/mentor progress",
            lambda: progress_views.progress_message(program, [(checklist, heading)], today),
        ),
        Sample("/mentor team", lambda: team_cards_message([card], today, manage=True)),
        Sample(
            "/mentor calendar",
            lambda: calendar_message(
                track.name,
                upcoming,
                progress_views.step_names(program, upcoming),
                today,
                program.end,
            ),
        ),
        Sample("/mentor topic", lambda: topic_message(this_topic, None)),
        Sample(
            "/mentor year",
            lambda: offered_message(
                [
                    OfferedFile("next.toml", "next-year", "next year", program.end),
                    OfferedFile("broken.toml", None, problem="broken.toml: program: missing"),
                ],
                program.school_year,
            ),
        ),
    ]


# --- sample data ----------------------------------------------------------------------------


def year_two(program: Program, today: date, role: str) -> Message:
    track = program.tracks[-1]
    first = [d for d in program.deadlines(track.id) if d.due >= today][:3]
    return year_two_welcome(
        role,
        mentor=MENTOR,
        protege=PROTEGE,
        program_name=program.name,
        school_year=program.school_year,
        track_name=track.name,
        new_steps=new_steps(program, track.id),
        first_deadlines=first,
        names=progress_views.step_names(program, first),
        forms_at_meetings={},
        today=today,
    )


def _status(world: SampleWorld) -> DeliverableStatus:
    """An overdue step if the sample team has one by today, else its first."""
    overdue = [s for s in world.statuses if s.state == OVERDUE]
    return (overdue or list(world.statuses))[0]


def _heading(world: SampleWorld) -> progress_views.TeamHeading:
    program = world.program
    return progress_views.TeamHeading(
        world.team_id, MENTOR, PROTEGE, ADVISOR, program.areas[0].name, program.tracks[0].name
    )


def _silent(world: SampleWorld) -> SilentTeam:
    return SilentTeam(
        team_id=world.team_id,
        mentor=MENTOR,
        protege=PROTEGE,
        school_days_quiet=16,
        last_activity=world.today - timedelta(days=22),
        last_contact=None,
        overdue=("Communication Log",),
    )


def _log_due(program: Program, today: date) -> date:
    dues = program.log_due_dates()
    return next((d for d in dues if d >= today), dues[-1] if dues else today)


def _instant(world: SampleWorld) -> datetime:
    return world.services.clock()


def _log_entry(world: SampleWorld) -> CommunicationLog:
    topic = world.program.topics[0]
    at = _instant(world)
    return CommunicationLog(
        id=1,
        entry_id=1,
        version=1,
        team_id=world.team_id,
        author=MENTOR,
        author_role="mentor",
        conversation_date=world.today,
        mode=LogMode.PHONE,
        topic_month=topic.month_id,
        help_needed="Pacing the first unit.",
        ideas_discussed="Exit tickets; a seating chart for labs.",
        minutes=30,
        filed_at=at,
        confirmed_at=at,
        confirmed_by=PROTEGE,
        disputed_at=at,
        disputed_by=PROTEGE,
        dispute_comment="We talked for 45 minutes, not 30.",
    )


def _plan(world: SampleWorld) -> PlanRecord:
    at = _instant(world)
    selections = world.program.experience_selections
    slots = tuple(
        PlanSlot(
            n,
            1 if n <= 2 else 2,
            selections[0].number if n != 4 else None,
            None if n != 4 else typed("A unit of my own design"),
            typed("Week of the unit"),
            world.today + timedelta(days=30 * n),
            approved=False,
        )
        for n in range(1, 5)
    )
    return PlanRecord(
        id=1,
        team_id=world.team_id,
        revision=1,
        status="returned",
        submitted_by=PROTEGE,
        submitted_at=at,
        received_by=ADVISOR,
        received_at=at,
        approved_by=ADVISOR,
        approved_at=at,
        returned_by=ADVISOR,
        returned_at=at,
        return_comment=typed("Please add dates for the second semester."),
        superseded_at=None,
        slots=slots,
        changed=(2,),
    )


def _experience(world: SampleWorld) -> ExperienceState:
    program, at = world.program, _instant(world)
    selection = program.experience_selections[0].number
    record = Experience(
        id=1,
        team_id=world.team_id,
        number=1,
        status=ExperienceStatus.COMMENTED,
        selection=selection,
        other_description=None,
        focus_areas="",
        submitted_by=PROTEGE,
        submitted_at=at,
        commented_at=at,
        updated_at=at,
    )
    submission = ExperienceSubmission(
        id=1,
        version=1,
        experience_id=1,
        selection=selection,
        other_description=None,
        focus_areas="",
        link=LINK,
        summary="A lesson on budgeting, with student work.",
        submitted_by=PROTEGE,
        submitted_at=at,
    )
    comment = MentorComment(
        id=1,
        version=1,
        experience_id=1,
        submission_id=1,
        comment_date=world.today,
        area=program.areas[0].name,
        experience_text="The budgeting lesson.",
        comments="Clear goals; try a shorter warm-up.",
        filed_by=MENTOR,
        filed_at=at,
    )
    deadlines = step_deadlines(program, program.tracks[0].id, 1)
    return experience_state(1, None, deadlines, record, submission, comment, None)


def _visit(world: SampleWorld) -> VisitReport:
    at = _instant(world)
    return VisitReport(
        id=1,
        version=1,
        team_id=world.team_id,
        number=1,
        status=VisitStatus.FILED,
        area=world.program.areas[0].name,
        visit_date=world.today,
        location="Room 114",
        topics="Classroom routines.",
        strategies="Timers for group work.",
        filed_by=MENTOR,
        filed_at=at,
    )


def _pd(world: SampleWorld) -> PdVerification:
    at = _instant(world)
    return PdVerification(
        id=1,
        version=1,
        team_id=world.team_id,
        number=1,
        status=PdStatus.SIGNED,
        area=world.program.areas[0].name,
        pd_date=world.today,
        location="District office",
        minutes=180,
        description="A workshop on project-based learning.",
        filed_by=PROTEGE,
        filed_at=at,
        mentor_comments="Worth sharing with the department.",
        signed_by=MENTOR,
        signed_at=at,
    )


def _advisor_lines(team: int) -> tuple[str, list[dict[str, Any]]]:
    """The advisor's morning message with what waits on them: their own step, a plan to
    review, a meeting's attendance to record (schedules/duties/advisor_steps.py)."""
    needs = advisor_views.Part.NEEDS_YOU
    lines = (
        (
            "Your step: Introduce yourself to the building administrator, due Mon, Sep 30",
            button("Mark done", advisor_views.DUTY_DONE, f"{team}:advisor_introduction"),
        ),
        (
            "Individual Mentoring Plan to review, revision 1, sent Wed, Sep 25: "
            "4 school days left of the review week",
            button("Approve the plan", plan_views.REVIEW_APPROVE, "1", "primary"),
        ),
        (
            "Mentor & Protégé Initial Meeting, Wed, Sep 25: attendance not recorded yet",
            button("Record attendance", ATTENDANCE_OPEN, str(team)),
        ),
    )
    return advisor_views.advisor_digest(
        [
            advisor_views.TeamItem(team, MENTOR, PROTEGE, needs, line, buttons=(pressed,))
            for line, pressed in lines
        ]
    )
