"""`/mentor staff …` and `/mentor advisor …`: program staff grant and remove roles."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot import access
from bot.platform.services import Services
from bot.platform.slack_users import user_info
from bot.slack.commands import Subcommand
from handlers import kit
from handlers.commands import Answer, CommandContext, CommandRouter
from storage.db import transaction
from storage.models import Role
from storage.people import get_or_create_person, grant, granted_holders, revoke

NAMES = {Role.STAFF: "program staff", Role.ADVISOR: "a content advisor"}
PLURALS = {Role.STAFF: "program staff", Role.ADVISOR: "content advisors"}


def register(app: App, services: Services, router: CommandRouter) -> None:
    for role in (Role.STAFF, Role.ADVISOR):
        word = role.value
        router.add(
            Subcommand(
                word,
                f"/mentor {word} [add|remove @person]",
                f"list, add or remove {PLURALS[role]}",
                access.Action.GRANT_ROLES,
            ),
            _handler(role),
        )


def _handler(role: Role) -> Callable[[CommandContext], Answer]:
    def handle(ctx: CommandContext) -> Answer:
        args = [a.lower() for a in ctx.parsed.args if not a.startswith("<")]
        verb = args[0] if args else "list"
        if verb == "list":
            return _list(ctx, role)
        if verb not in ("add", "remove") or len(ctx.parsed.mentions) != 1:
            return kit.say(
                f"Use `/mentor {role.value} add @person` or `/mentor {role.value} remove @person` "
                f"(one person at a time), or `/mentor {role.value}` to list them."
            )
        target = ctx.parsed.mentions[0]
        return _add(ctx, role, target) if verb == "add" else _remove(ctx, role, target)

    return handle


def _list(ctx: CommandContext, role: Role) -> Answer:
    with ctx.services.sessions() as session:
        holders = granted_holders(session, role)
    if role is Role.STAFF:
        holders |= set(ctx.services.settings.staff_ids)
    if not holders:
        return kit.say(
            f"Nobody is {NAMES[role]} yet. Add someone: `/mentor {role.value} add @person`."
        )
    people = ", ".join(f"<@{h}>" for h in sorted(holders))
    title = "Program staff" if role is Role.STAFF else "Content advisors"
    return kit.say(f"*{title}:* {people}")


def _add(ctx: CommandContext, role: Role, target: str) -> Answer:
    user = user_info(ctx.client, target)
    if user is None or not user.usable:
        return kit.say(
            f"<@{target}> can't be given a role: not an active person in this workspace."
        )
    now = ctx.services.clock()
    with transaction(ctx.services.sessions) as session:
        person = get_or_create_person(session, target, now, user.name, user.tz)
        added = grant(session, person, role, ctx.who.user_id, now)
    if not added or (role is Role.STAFF and target in ctx.services.settings.staff_ids):
        return kit.say(f"<@{target}> is already {NAMES[role]}.")
    return kit.say(f"<@{target}> is now {NAMES[role]}.")


def _remove(ctx: CommandContext, role: Role, target: str) -> Answer:
    settings = ctx.services.settings
    if role is Role.STAFF and target in settings.staff_ids:
        return kit.say(
            f"<@{target}> is program staff through the MENTORBOT_STAFF setting; remove them there."
        )
    now = ctx.services.clock()
    with transaction(ctx.services.sessions) as session:
        if role is Role.STAFF:
            staff = frozenset(granted_holders(session, Role.STAFF) | set(settings.staff_ids))
            if access.is_last_staff(staff, target):
                return kit.say("You are the last program staff member: add someone else first.")
        person = get_or_create_person(session, target, now)
        removed = revoke(session, person, role, ctx.who.user_id, now)
    if not removed:
        return kit.say(f"<@{target}> was not {NAMES[role]}.")
    return kit.say(f"<@{target}> is no longer {NAMES[role]}. Their earlier actions stay recorded.")
