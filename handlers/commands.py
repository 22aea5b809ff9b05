"""The `/mentor` slash command: one listener that routes subcommands to feature modules
(bolt calls it in Socket Mode; over HTTP `bot.platform.direct` calls it without bolt's
dispatch, the same object either way).

Feature modules add their subcommands with `router.add(Subcommand(...), function)` from their
own `register`. A subcommand function gets a `CommandContext` and returns the ephemeral answer,
None when it answered itself (for example by opening a modal with the trigger id), or `Later`
when the answer takes longer than an ack should.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import access
from bot.access import Refusal
from bot.across import lookup as across
from bot.across import scope
from bot.across.views import each_named
from bot.home.calendar import calendar_message, topic_message
from bot.home.help import help_message, next_steps, refusal_message
from bot.platform.direct import AckArguments, DirectCommand
from bot.platform.services import Services
from bot.slack.commands import Parsed, Subcommand, parse, split_flag
from bot.slack.text import typed
from bot.status.deliverables import MEMBER_ROLES, deliverables_for, meetings_first
from bot.status.progress import next_action, step_names
from bot.status.step_handlers import NextAction
from bot.years.lookup import only_look_ups, services_for_year, split_year
from handlers import after_ack, kit
from storage.db import reading
from storage.people import teams_of_member

log = logging.getLogger(__name__)

Answer = tuple[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class CommandContext:
    services: Services
    who: access.Viewer
    parsed: Parsed
    body: dict[str, Any]  # Slack's command payload (trigger_id, response_url, channel_id …)
    client: WebClient

    @property
    def trigger_id(self) -> str:
        return self.body["trigger_id"]


@dataclass(frozen=True)
class Later:
    """An answer that takes a while: `now` goes back with the ack, and what `work` returns
    replaces it through the command's response URL. `heavy` work runs in another process
    (see handlers.after_ack.heavy): it must then be picklable, with plain-data arguments."""

    now: Answer
    work: Callable[[], Answer]
    heavy: bool = False


SubcommandFunction = Callable[[CommandContext], Answer | Later | None]
SubcommandAnswer = Callable[[CommandContext], Answer]


class CommandRouter:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._routes: dict[str, tuple[Subcommand, SubcommandFunction]] = {}

    def add(self, sub: Subcommand, function: SubcommandFunction) -> None:
        if sub.name in self._routes:
            raise ValueError(f"/mentor {sub.name} is registered twice")
        self._routes[sub.name] = (sub, function)

    def help_answer(
        self, who: access.Viewer, services: Services, unknown: str | None = None
    ) -> Answer:
        """`/mentor help` for this person: their next step in each of their programs
        (`across.member_programs`), then what they can use (as `bot.access` decides), leaving
        out what files a step none of their tracks has."""
        ones = across.member_programs(services, who.user_id)
        own = [_own_steps(one, who) for one in ones]
        kinds = {kind for _, each in own for kind in each}
        reads_all = who.is_staff or "advisor" in who.roles
        listed: dict[str, list[Subcommand]] = {}
        for sub, _ in self._routes.values():
            heading = access.help_heading(who, sub.action)
            if heading is None or (sub.steps and not reads_all and not kinds & set(sub.steps)):
                continue
            listed.setdefault(heading, []).append(sub)
        steps = next_steps([(one.program, step) for one, (step, _) in zip(ones, own, strict=True)])
        # Someone on no team (staff, a new advisor) is told of every program that runs.
        name = " and the ".join(dict.fromkeys(p.name for one in ones for p in one.programs))
        return help_message(name, listed, steps, unknown)

    def handle(self, body: dict[str, Any], client: WebClient) -> Answer | Later | None:
        parsed, year = split_year(parse(body.get("text", "")))
        parsed, program = split_flag(parsed, across.FLAG)
        with reading(self.services.sessions) as connection:
            who = access.viewer(connection, body["user_id"], self.services.settings.staff_ids)
        route = self._routes.get(parsed.name)
        if route is None:
            return self.help_answer(who, self.services, parsed.name)
        sub, function = route
        if not access.may(who, sub.action):
            return refusal_message(
                sub, access.roles_allowed(sub.action), self.services.settings.staff_ids
            )
        services = self.services
        names = [s.name for s, _ in self._routes.values() if s.earlier_years]
        if year is not None and not sub.earlier_years:
            raise Refusal(only_look_ups(names))
        if program is not None and not sub.earlier_years:
            raise Refusal(across.look_ups_only(names))
        if program is not None:
            services = across.services_for_program(services, program)
        else:  # a member's own program, when the deployment runs several
            services = across.asker_services(services, who)
        if year is not None:
            services = services_for_year(services, year)
        scope.about(services.program.id)
        return function(CommandContext(services, who, parsed, body, client))


def register(app: App, services: Services, router: CommandRouter) -> None:
    router.add(
        Subcommand("help", "/mentor help", "what you can do with Mentor bot", access.Action.HELP),
        lambda ctx: _help(ctx, router),
    )
    router.add(
        Subcommand(
            "topic", "/mentor topic", "this month's communication topic", access.Action.SEE_TOPIC
        ),
        _each_program(_topic),
    )
    router.add(
        Subcommand(
            "calendar",
            "/mentor calendar [year1|year2]",
            "the next deadlines of a track",
            access.Action.SEE_CALENDAR,
        ),
        _each_program(_calendar),
    )

    mentor = _MentorCommand(router, services.settings.signing_secret)
    app.command(mentor.command)(mentor.listen)


class _MentorCommand(DirectCommand):
    """`/mentor`: bolt's listener, and the answer `bot.platform.direct` gives over HTTP."""

    command = "/mentor"

    def __init__(self, router: CommandRouter, signing_secret: str | None) -> None:
        super().__init__(signing_secret)
        self.router = router

    def answer(
        self, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> AckArguments | None:
        try:
            with scope.answering(body.get("user_id")):
                answer = self.router.handle(body, client)
        except Refusal as refusal:
            answer = kit.say(refusal.message)
        except Exception:
            # The user gets a polite line; the traceback stays in our log.
            log.exception("/mentor failed")
            answer = (kit.SORRY, [])
        if answer is None:
            return None
        if isinstance(answer, Later):
            if answer.heavy:
                after_ack.heavy(
                    answer.work,
                    then=functools.partial(_post, respond),
                    failed=functools.partial(_post, respond, (kit.SORRY, [])),
                )
            else:
                after_ack.after_ack(_answer_later, answer.work, respond)
            answer = answer.now
        text, blocks = answer
        return {"text": text, "blocks": blocks or None, "response_type": "ephemeral"}


def _answer_later(work: Callable[[], Answer], respond: Respond) -> None:
    try:
        answer = work()
    except Exception:
        log.exception("/mentor failed after its ack")
        answer = (kit.SORRY, [])
    _post(respond, answer)


def _post(respond: Respond, answer: Answer) -> None:
    """An answer that replaces the ack's placeholder, through the response URL."""
    text, blocks = answer
    try:
        respond(text=text, blocks=blocks or None, response_type="ephemeral", replace_original=True)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not post an answer to its response URL: %s", type(exc).__name__)


def _own_steps(services: Services, who: access.Viewer) -> tuple[NextAction | None, set[str]]:
    """The person's next step in this program and the step kinds of their tracks in it (only
    a mentor or protégé of some active team has teams to look up)."""
    program, today = services.program, services.today()
    if not who.roles & {"mentor", "protege"}:
        return None, set()
    with services.sessions() as session:
        teams = teams_of_member(session, who.user_id, program.id)
        found = deliverables_for(session, program, teams, today) if teams else {}
        step = None
        for team in teams:
            role = "mentor" if team.mentor.slack_id == who.user_id else "protege"
            step = next_action(program, found[team.id], role, team.id, today)
            if step is not None:
                break
        kinds = {str(d.step.kind) for team in teams for d in program.deadlines(team.track)}
    return step, kinds


def _help(ctx: CommandContext, router: CommandRouter) -> Answer:
    return router.help_answer(ctx.who, ctx.services)


def _each_program(answer: SubcommandAnswer) -> SubcommandAnswer:
    """A person's own look-up answered in each of their programs (`across.member_programs`):
    in their one program as it is; with teams in several, each program's part, named."""

    def each(ctx: CommandContext) -> Answer:
        ones = across.member_programs(ctx.services, ctx.who.user_id)
        return each_named([(one.program, answer(replace(ctx, services=one))) for one in ones])

    return each


def _topic(ctx: CommandContext) -> Answer:
    today = ctx.services.today()
    program = ctx.services.program
    current = program.topic_for(today.year, today.month)
    upcoming = [t for t in program.topics if (t.year, t.month) > (today.year, today.month)]
    return topic_message(current, upcoming[0] if upcoming else None)


def _calendar(ctx: CommandContext) -> Answer:
    """The next deadlines as a message; a member also gets the track's .ics file in their DM
    (after the ack), so the dates sit in their own calendar."""
    program = ctx.services.program
    track_ids = [track.id for track in program.tracks]
    args = ctx.parsed.args
    with ctx.services.sessions() as session:
        own = teams_of_member(session, ctx.who.user_id, program.id)
    track_id = args[0].lower() if args else (own[0].track if own else track_ids[0])
    if track_id not in track_ids:
        choices = " or ".join(f"`{t}`" for t in track_ids)
        message = f"There is no track `{typed(track_id[:20]).mrkdwn()}`. Try {choices}."
        return message, [{"type": "section", "text": {"type": "mrkdwn", "text": message}}]
    track_id = program.track(track_id).id  # the program's own id from here, not the typed word
    today = ctx.services.today()
    # The team's dates: the advisor's own steps are theirs (Home tab, morning message).
    upcoming = meetings_first(
        d for d in program.deadlines(track_id) if d.due >= today and d.role in MEMBER_ROLES
    )[:10]
    text, blocks = calendar_message(
        program.track(track_id).name, upcoming, step_names(program, upcoming), today, program.end
    )
    if own:
        after_ack.after_ack(_send_ics, ctx.services, ctx.client, ctx.who.user_id, track_id)
        note = "I'm sending you these dates as a calendar file (.ics) in your DM."
        blocks = [*blocks, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
    return text, blocks


def _send_ics(services: Services, client: WebClient, user_id: str, track_id: str) -> None:
    # Imported here: the calendar library (about 3 MiB) is loaded by the first person who
    # asks for a calendar file, not by every process of every server.
    from bot.home.ics import track_calendar

    program = services.program
    track = program.track(track_id).name
    try:
        content = track_calendar(program, track_id, services.clock())
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=content,
            filename=f"{program.id}-{track_id}.ics",
            # Named by its program and year: a person in teams of two programs gets a file of
            # each, and last year's file may still be in the DM.
            title=f"{program.name}, {program.school_year}: {track} deadlines",
            initial_comment=f"Your {program.name} deadlines for the year: open the file to add "
            "them to your calendar.",
        )
    except (SlackApiError, SlackClientError, OSError):
        log.warning("could not send the calendar file")
