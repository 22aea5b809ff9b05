"""`/mentor status [@someone|area]`, `/mentor overdue`, `/mentor completers`, `/mentor report`.

Who sees which teams follows the access table: staff all, a content advisor the teams they
advise, a mentor or protégé their own team. A person named with @ is shown only through teams
the asker may read (READ_TEAM). The report is built after the ack (handlers.after_ack), and
uploaded to the asker's DM; a unique lock row makes a double request one report.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot import access
from bot.across.lookup import member_programs
from bot.across.views import across_message
from bot.platform.config import Settings
from bot.platform.services import Services
from bot.program import Program
from bot.slack.commands import Parsed, Subcommand
from bot.slack.replies import dm
from bot.slack.text import typed
from bot.status import export, views
from bot.status import rules as domain
from bot.status import standing as kept
from handlers import kit
from handlers.after_ack import after_ack, heavy
from handlers.commands import Answer, CommandContext, CommandRouter, Later
from storage.db import make_engine, make_session_factory, transaction
from storage.models import Team
from storage.people import TeamTies, TeamTrack, count_active_teams, served_team_tracks, team_ties
from storage.standing import Scope, active_team_ids, teams_by_id
from storage.survey import finish_report, start_report
from storage.teams import active_teams_of

log = logging.getLogger(__name__)
Action = access.Action
LIST_TEAMS_UP_TO = 12  # a handful of teams reads better one by one than as counts
# Over this many teams a program-wide answer takes longer than an ack should: it is
# acknowledged at once and posted when counted.
ANSWER_LATER_OVER = 300


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand(
            "status",
            "/mentor status [@someone|area]",
            "how the teams stand: on track, behind, at risk or silent",
            Action.SEE_STATUS,
            earlier_years=True,
        ),
        status,
    )
    router.add(
        Subcommand(
            "overdue",
            "/mentor overdue",
            "every overdue step, by content advisor, most late first",
            Action.SEE_STATUS,
            earlier_years=True,
        ),
        overdue,
    )
    router.add(
        Subcommand(
            "completers",
            "/mentor completers",
            "teams that completed every required deliverable",
            Action.SEE_COMPLETERS,
            earlier_years=True,
        ),
        completers,
    )
    router.add(
        Subcommand(
            "report",
            "/mentor report",
            "the program report (CSV, spreadsheet, chart) in your DM",
            Action.EXPORT_REPORTS,
            earlier_years=True,
        ),
        report,
    )


# --- which teams ------------------------------------------------------------------------------


def covered_teams(
    session: Session, services: Services, who: access.Viewer, action: Action, served: bool = False
) -> list[TeamTies] | None:
    """The teams an answer of `action` covers for `who`, as `bot.access` decides: None for
    every team of the year (staff's: counted over the year, nobody's ties read), or those of
    the person's own teams it keeps, by id and track. The active ones, or with `served`
    those that ended during the year too (a report: a team that ended mid-year was still
    served)."""
    if access.covers_every_team(who, action):
        return None
    theirs = team_ties(session, who.user_id, services.program.id, active=not served)
    return access.covered(who, action, theirs)


def reported_team_tracks(
    session: Session, services: Services, who: access.Viewer
) -> Sequence[TeamTrack | TeamTies]:
    """The teams of a report, by id and track: what its head, its count and its rows cover."""
    found = covered_teams(session, services, who, Action.EXPORT_REPORTS, served=True)
    return served_team_tracks(session, services.program.id) if found is None else found


def reported_batches(
    session: Session, who: access.Viewer, ids: Sequence[int]
) -> Iterator[list[Team]]:
    """The teams of a report with their members, read a batch at a time, each one checked
    again: a report over thousands of teams takes a while, and a team reassigned since its
    ids were read (another content advisor's now) must not have its records in the file.
    The head may then name a step of that team's track; the rows and counts never hold it."""
    for start in range(0, len(ids), export.CHUNK):
        teams = teams_by_id(session, ids[start : start + export.CHUNK])
        yield access.covered(who, Action.EXPORT_REPORTS, teams)


class _Scope:
    """The teams asked about: listed one by one (few, their standing counted now), or
    counted from their kept standings (`kept`)."""

    def __init__(self, title: str, kept: Scope, listed: list[Team] | None = None) -> None:
        self.title, self.kept, self.listed = title, kept, listed


class Asked(NamedTuple):
    """What a status answer reads of the command: no Slack client, no payload."""

    services: Services
    who: access.Viewer
    parsed: Parsed


def _scope(ctx: Asked, session: Session) -> _Scope | Answer:
    services, who, program = ctx.services, ctx.who, ctx.services.program
    if ctx.parsed.mentions:
        named = ctx.parsed.mentions[0]
        theirs = active_teams_of(session, named, program.id)
        if not theirs:
            return views.no_teams_message(named)
        readable = [t for t in theirs if access.may_on_team(who, Action.READ_TEAM, t)]
        if not readable:
            return kit.say(
                "Only the team, its content advisor and program staff can see how a team "
                "stands. Type `/mentor status` for your own."
            )
        return _Scope("Status of teams with someone you named", _kept(services, readable), readable)
    words = [w for w in ctx.parsed.args if not w.startswith("<")]
    title = "Program status" if access.covers_every_team(who, Action.SEE_STATUS) else "Your teams"
    area = None
    if words:
        word = typed(" ".join(words))
        area = domain.area_matching(program, word)
        if area is None:
            return views.unknown_scope_message(program, word)
        title = f"{title}: {domain.area_name(program, area)}"
    kept = _kept(services, covered_teams(session, services, who, Action.SEE_STATUS), area)
    ids = active_team_ids(session, kept, LIST_TEAMS_UP_TO + 1)  # enough to tell which way
    if not ids and area is None:
        return kit.say(
            "You are not on a mentoring team and advise none this year, so there is no "
            "status to show. Type `/mentor help` to see what you can do."
        )
    if len(ids) <= LIST_TEAMS_UP_TO:
        listed = teams_by_id(session, ids)
        return _Scope(title, _kept(services, listed), listed)
    return _Scope(title, kept)


def _kept(
    services: Services, teams: Sequence[Team | TeamTies] | None, area: str | None = None
) -> Scope:
    ids = None if teams is None else tuple(team.id for team in teams)
    return Scope(services.program.id, ids, area)


# --- the commands -------------------------------------------------------------------------------


def status(ctx: CommandContext) -> Answer | Later:
    return _later_if_many(ctx, "status", "status")


def overdue(ctx: CommandContext) -> Answer | Later:
    return _later_if_many(ctx, "overdue steps", "overdue")


def completers(ctx: CommandContext) -> Answer | Later:
    return _later_if_many(ctx, "completers", "completers")


def _later_if_many(ctx: CommandContext, what: str, kind: str) -> Answer | Later:
    """Staff asking about the whole program: acknowledged now, counted after the ack in
    another process (thousands of teams would hold this worker's interpreter meanwhile)."""
    asked = Asked(ctx.services, ctx.who, ctx.parsed)
    if not _program_wide(kind, asked):
        return _answer(kind, asked)
    services = ctx.services
    with services.sessions() as session:
        many = sum(count_active_teams(session, p.id) for p in services.programs)
        # After a new day or a new release, every standing is counted before the answer.
        counted = (
            many
            if many <= ANSWER_LATER_OVER
            else sum(kept.fresh_count(session, p, services.today()) for p in services.programs)
        )
    if many <= ANSWER_LATER_OVER:
        return _answer(kind, asked)
    placeholder = views.counting_message(what, many, max(0, many - counted))
    work = functools.partial(
        program_answer,
        kind,
        services.settings,
        services.programs,
        services.clock(),
        asked.who,
        asked.parsed,
    )
    return Later(placeholder, work, heavy=True)


def program_answer(
    kind: str,
    settings: Settings,
    programs: tuple[Program, ...],
    now: datetime,
    who: access.Viewer,
    parsed: Parsed,
) -> Answer:
    """A status answer in a process of its own: plain data in, the answer out."""
    sessions = make_session_factory(_engine(settings.database_url))
    clock = functools.partial(_at, now)
    every = programs if len(programs) > 1 else ()
    services = Services(settings, programs[0], sessions, clock=clock, every=every)
    return _answer(kind, Asked(services, who, parsed))


def _answer(kind: str, asked: Asked) -> Answer:
    """The answer in one program; with several, one across those asked about, a part each
    (staff: every program, with each one's team count)."""
    each, answer = _programs_asked(kind, asked), _KINDS[kind].answer
    if len(each) == 1:
        return answer(asked._replace(services=each[0]))
    parts = [(one.program, answer(asked._replace(services=one))) for one in each]
    teams = None
    if _program_wide(kind, asked):
        with asked.services.sessions() as session:
            teams = {one.program.id: count_active_teams(session, one.program.id) for one in each}
    title = _KINDS[kind].title if _program_wide(kind, asked) else "Your teams"
    return across_message(title, kind, parts, teams)


def _program_wide(kind: str, asked: Asked) -> bool:
    """Whether the answer covers every team of the program (staff's do, `bot.access` says),
    rather than the asker's teams or those of a person named."""
    return access.covers_every_team(asked.who, _KINDS[kind].action) and not asked.parsed.mentions


def _programs_asked(kind: str, asked: Asked) -> list[Services]:
    """The services of each program an answer is about: one when the deployment runs one
    (or `--program`, `--year` chose one); staff all (those with the area named, if one is);
    anyone else, or a person named, the programs of their teams (`member_programs`)."""
    services = asked.services
    if len(services.programs) == 1:
        return [services]
    if _program_wide(kind, asked):
        words = [w for w in asked.parsed.args if not w.startswith("<")]
        word = typed(" ".join(words))
        ids = [p.id for p in services.programs if not words or domain.area_matching(p, word)]
        ones = [one for one in map(services.only, ids) if one is not None]
        return ones or [services.only(services.program.id) or services]
    return list(member_programs(services, (asked.parsed.mentions or (asked.who.user_id,))[0]))


@functools.cache
def _engine(url: str) -> Engine:
    """One engine per database for the life of the worker process."""
    return make_engine(url)


def _at(now: datetime) -> datetime:
    """The clock of the request (a worker process answers as of when it was asked)."""
    return now


def _status(ctx: Asked) -> Answer:
    services, today = ctx.services, ctx.services.today()
    with services.sessions() as session:
        scope = _scope(ctx, session)
        if not isinstance(scope, _Scope):
            return scope
        if scope.listed is not None:
            found = domain.program_standings(session, services.program, scope.listed, today)
            summary = domain.summarize(services.program, found, today)
    if scope.listed is None:
        kept.refresh(services.sessions, services.program, today, scope.kept.team_ids)
        with services.sessions() as session:
            summary = kept.program_status(session, services.program, scope.kept, today)
    return views.status_message(
        services.program, summary, scope.title, list_teams=scope.listed is not None
    )


def _overdue(ctx: Asked) -> Answer:
    services, today = ctx.services, ctx.services.today()
    with services.sessions() as session:
        teams = covered_teams(session, services, ctx.who, Action.SEE_STATUS)
    if teams == []:
        return kit.say("You have no teams to follow, so nothing of yours is overdue.")
    scope = _kept(services, teams)
    kept.refresh(services.sessions, services.program, today, scope.team_ids)
    with services.sessions() as session:
        room = views.OverdueRoom()
        found = kept.overdue(session, services.program, scope, today, room)
    return views.overdue_message(services.program, found, today, room)


def _completers(ctx: Asked) -> Answer:
    services, today = ctx.services, ctx.services.today()
    with services.sessions() as session:
        teams = covered_teams(session, services, ctx.who, Action.SEE_COMPLETERS)
    scope = _kept(services, teams)
    kept.refresh(services.sessions, services.program, today, scope.team_ids)
    with services.sessions() as session:
        found, eligible = kept.completers(session, scope)
    final_on = domain.completers_date(services.program)
    return views.completers_message(services.program, found, eligible, today, final_on)


class _Kind(NamedTuple):
    title: str  # of an answer over every team, across several programs
    action: Action  # which teams an answer covers: `bot.access.covered`
    answer: Callable[[Asked], Answer]


_KINDS = {
    "status": _Kind("Program status", Action.SEE_STATUS, _status),
    "overdue": _Kind("Overdue steps", Action.SEE_STATUS, _overdue),
    "completers": _Kind("Completers", Action.SEE_COMPLETERS, _completers),
}


def report(ctx: CommandContext) -> Answer:
    return kit.say(request_report(ctx.services, ctx.client, ctx.who))


def request_report(services: Services, client: WebClient, who: access.Viewer) -> str:
    """Start the report after the ack; what to tell the requester now."""
    if not access.may(who, Action.EXPORT_REPORTS):
        return "Only content advisors and program staff can export reports."
    scope = "program" if access.covers_every_team(who, Action.EXPORT_REPORTS) else "advisor"
    with transaction(services.sessions) as session:
        teams = sum(len(reported_team_tracks(session, one, who)) for one in _each(services))
        if not teams:
            return "You advise no teams, so there is no report to make yet."
        run_id = start_report(session, who.user_id, scope, services.clock())
    if run_id is None:
        return "Your report is already being prepared; it will arrive in your DM shortly."
    send = functools.partial(_send_report, services, client, who, run_id)
    failed = functools.partial(_report_failed, services, client, who, run_id)
    if teams <= ANSWER_LATER_OVER:
        after_ack(_report_here, services, who, send, failed)
    else:  # thousands of rows would hold this worker's interpreter: made in another process
        now = services.clock()
        heavy(
            report_answer, services.settings, services.programs, now, who, then=send, failed=failed
        )
    return "Preparing your report: the CSV, the spreadsheet and a chart will be in your DM."


class Report(NamedTuple):
    comment: str
    files: dict[str, export.ReportFile]  # the open ones are closed once uploaded


def report_answer(
    settings: Settings, programs: tuple[Program, ...], now: datetime, who: access.Viewer
) -> Report:
    """The report's files, made in a process of its own: plain data in and out."""
    sessions = make_session_factory(_engine(settings.database_url))
    every = programs if len(programs) > 1 else ()
    clock = functools.partial(_at, now)
    return _report(Services(settings, programs[0], sessions, clock=clock, every=every), who)


def _each(services: Services) -> list[Services]:
    """The services of each program the deployment runs, alone."""
    if len(services.programs) == 1:
        return [services]
    return [one for one in map(services.only, (p.id for p in services.programs)) if one]


def _report(services: Services, who: access.Viewer) -> Report:
    """The report's files: with several programs, each program's own (their deliverables
    differ), for the programs with teams to report."""
    comments: list[str] = []
    files: dict[str, export.ReportFile] = {}
    several = len(services.programs) > 1
    try:
        for one in _each(services):
            with one.sessions() as session:
                made = _made_report(session, one, who, skip_empty=several)
            if made is None:
                continue
            comment, made_files = made
            comments.append(comment)
            prefix = f"{one.program.id}-" if several else ""  # the names would be the same
            files.update((prefix + n, f) for n, f in made_files.items())
    except BaseException:  # a later program's failed: the earlier ones' files are closed
        export.close_files(files.values())
        raise
    return Report("\n".join(comments), files)


def _made_report(
    session: Session, services: Services, who: access.Viewer, skip_empty: bool
) -> tuple[str, dict[str, export.ReportFile]] | None:
    """The report on the teams `who` may report on (None: none, and `skip_empty`), read a
    batch of teams at a time: thousands of teams' rows are never held at once."""
    program, today = services.program, services.today()
    teams = reported_team_tracks(session, services, who)
    if not teams and skip_empty:
        return None
    head = export.report_head(session, program, teams, today)
    batches = reported_batches(session, who, [team.id for team in teams])
    return export.made_report(
        program, head, (export.gather_batch(session, program, b, head) for b in batches)
    )


def _report_here(
    services: Services,
    who: access.Viewer,
    send: Callable[[Report], None],
    failed: Callable[[], None],
) -> None:
    try:
        report = _report(services, who)
    except Exception:
        log.exception("the report failed")
        failed()
        return
    send(report)


def _send_report(
    services: Services, client: WebClient, who: access.Viewer, run_id: int, report: Report
) -> None:
    outcome = "sent"
    try:
        channel = client.conversations_open(users=who.user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            initial_comment=report.comment,
            # bytes or an open file: the SDK reads either
            file_uploads=[
                {"filename": name, "file": file, "title": name}
                for name, file in report.files.items()
            ],
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        outcome = f"failed: {type(exc).__name__}"
        log.warning("the report could not be uploaded: %s", type(exc).__name__)
        dm(client, who.user_id, "Sorry, I could not send your report. Please try again.")
    except Exception:
        outcome = "failed"
        log.exception("the report failed")
        dm(client, who.user_id, "Sorry, your report failed on our side. Please try again.")
    finally:
        export.close_files(report.files.values())
        with transaction(services.sessions) as session:
            finish_report(session, run_id, services.clock(), outcome)


def _report_failed(services: Services, client: WebClient, who: access.Viewer, run_id: int) -> None:
    try:
        dm(client, who.user_id, "Sorry, your report failed on our side. Please try again.")
    finally:
        with transaction(services.sessions) as session:
            finish_report(session, run_id, services.clock(), "failed")
