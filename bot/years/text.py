"""What `mentorbot year open` prints: the plan as plain lines (pure: data in, text out)."""

from __future__ import annotations

from datetime import date

from bot.status.rules import TeamStanding
from bot.years.rules import YearPlan, next_track
from storage.models import Team


def plan_text(plan: YearPlan, done: bool, file: str) -> str:
    old, new = plan.old, plan.new
    head = f"Opening {new.school_year} ({new.id}) after {old.school_year} ({old.id})"
    if plan.changes_nothing and plan.opened is not None and plan.opened.opened_at is not None:
        opened = plan.opened.opened_at.date().isoformat()
        lines = [f"{new.school_year} was opened on {opened}: nothing to change."]
    elif done:
        lines = [f"{head}: done."]
    else:
        lines = [f"{head}: a preview, nothing is changed. Run it again with --yes to do it."]
    verb = "Carried" if done else "Carry"
    lines.append(f"{verb} into {new.school_year} ({len(plan.carry)} team(s)):")
    for team in plan.carry:
        onward = next_track(old, team.track) or team.track
        lines.append(f"  {_team(team)}, into {new.track(onward).name}")
    if plan.carried:
        lines.append(f"Carried earlier: {len(plan.carried)} team(s).")
    lines.append(f"Not carried, for staff to look at ({len(plan.left)}):")
    lines += [f"  {_team(left.team)}: {left.reason}" for left in plan.left]
    lines.append(f"Finished the program's last track in {old.school_year}: {len(plan.finished)}")
    lines.append(f"Completers of {old.school_year}, for recognition:")
    for track in old.tracks:
        found = plan.completers.get(track.id, [])
        lines.append(f"  {track.name}: {len(found)}")
        lines += [f"    {_standing(standing)}" for standing in found]
    closed = "is closed" if done or plan.opened is not None else "will be closed"
    lines.append(
        f"{old.school_year} {closed}: its teams are read-only, their records readable with "
        f"`--year {old.school_year}` (/mentor status, team, logs, report)."
    )
    lines.append(
        "Each carried team's mentor, protégé and content advisor get a year-two welcome "
        "with the first tick that runs the new program."
    )
    lines.append(
        f"Next: set MENTORBOT_PROGRAM={file} and restart the bot (see README, 'The next "
        "school year')."
    )
    return "\n".join(lines)


def _team(team: Team) -> str:
    pair = _pair(team.mentor.slack_id, team.protege.slack_id)
    return f"team {team.id} ({team.area}, {team.track}): {pair}"


def _standing(standing: TeamStanding) -> str:
    return f"team {standing.team_id} ({standing.area}): {_pair(standing.mentor, standing.protege)}"


def _pair(mentor: str, protege: str) -> str:
    return f"mentor {mentor}, protégé {protege}"


def closed_year_line(
    program_id: str, school_year: str, closed: date, after: str | None, listed: bool = False
) -> str:
    """What to do when the deployment runs a year `mentorbot year open` has closed: one
    line, for `mentorbot run`'s log and `mentorbot doctor` (`after`: the year that followed;
    `listed`: the year is one of several in MENTORBOT_PROGRAMS)."""
    onward = f"the next year's file ({after})" if after else "the next year's file"
    said = "MENTORBOT_PROGRAMS lists" if listed else "MENTORBOT_PROGRAM names"
    fix = (
        f"Put {onward} in its place in MENTORBOT_PROGRAMS"
        if listed
        else f"Set MENTORBOT_PROGRAM to {onward}"
    )
    return (
        f"{said} {school_year} ({program_id}), closed on {closed.isoformat()} by "
        f"`mentorbot year open`: nothing more can be filed in it. {fix} and restart the bot."
    )
