"""What the advisor's digest says about a team, and how long an advisor's answer quiets it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.advisor.views import SNOOZE_DAYS, Part, TeamItem
from bot.program import Program
from bot.silence.views import SilentTeam
from bot.slack.dates import human_date
from bot.slack.text import TypedText
from bot.status.deliverables import next_school_day_on_or_after
from storage.silence import SilenceAction, SilenceActionKind, actions_for

# After "I've reached out" or a nudge, the team's alerts wait this long: the team needs a
# few days to answer before the advisor hears about it again.
REACHED_OUT_QUIET = timedelta(days=SNOOZE_DAYS)
# What an advisor (or staff) did that answers a team's alerts and a member's report.
ANSWERS = frozenset(
    {SilenceActionKind.REACHED_OUT, SilenceActionKind.SNOOZED, SilenceActionKind.NUDGED}
)


def quiet_until(actions: Iterable[SilenceAction]) -> date | None:
    """The day a team's alerts may come again after the advisor answered them (a snooze's
    end, or a week after reaching out or nudging), or None."""
    ends = [
        a.until
        if a.kind == SilenceActionKind.SNOOZED and a.until
        else a.at.date() + REACHED_OUT_QUIET
        for a in actions
        if a.kind in ANSWERS
    ]
    return max(ends, default=None)


def quiet_teams(session: Session, team_ids: list[int]) -> dict[int, date | None]:
    """Each team's `quiet_until`, for the duties that alert advisors."""
    return {team: quiet_until(actions) for team, actions in actions_for(session, team_ids).items()}


def alert_day(program: Program, day: date, until: date | None) -> date:
    """The day an alert due on `day` goes out: after the team's quiet, on a school day."""
    if until is None or until <= day:
        return day
    return next_school_day_on_or_after(program, until)


def quiet_item(team: SilentTeam, today: date, *, reminder: bool = False) -> TeamItem:
    last = f"last contact {team.last_contact}" if team.last_contact else "no contact recorded yet"
    line = f"{team.school_days_quiet} school days since {human_date(team.last_activity)}"
    if reminder:
        line += ", after an alert a week ago"
    line += f"; {last}"
    if team.overdue:
        line += "; behind on " + ", ".join(team.overdue[:6])
    return TeamItem(
        team.team_id, team.mentor, team.protege, Part.QUIET, line, team.school_days_quiet
    )


def escalated_item(team: SilentTeam, advisor: str | None, today: date) -> TeamItem:
    who = f"two alerts to <@{advisor}>" if advisor else "two alerts"
    line = f"quiet {team.school_days_quiet} school days and {who} had no answer"
    return TeamItem(
        team.team_id, team.mentor, team.protege, Part.NEEDS_YOU, line, team.school_days_quiet
    )


def late_line(step: str, due: date) -> str:
    """A late step's line: dated, never "3 days late", so the same words are found again to
    strike through once the step is done."""
    return f"{step}, due {human_date(due)}"


def late_item(team_id: int, mentor: str, protege: str, step: str, due: date) -> TeamItem:
    return TeamItem(team_id, mentor, protege, Part.LATE, late_line(step, due))


def report_item(
    team_id: int, mentor: str, protege: str, reporter: str, reported: date, note: TypedText | None
) -> TeamItem:
    line = f"<@{reporter}> says their partner isn't responding ({human_date(reported)})"
    if note:
        # The member's words reach the advisor quoted and escaped: never a ping or a link.
        line += "\n> " + note.clip(500).mrkdwn().replace("\n", "\n> ")
    return TeamItem(team_id, mentor, protege, Part.NEEDS_YOU, line)


def report_text(reporter: str) -> str:
    return f"<@{reporter}> says their partner isn't responding"


def answered(report: SilenceAction, actions: Iterable[SilenceAction]) -> bool:
    """A member's report is handled once the advisor (or staff) answered the team after it."""
    return any(a.kind in ANSWERS and a.at >= report.at for a in actions)
