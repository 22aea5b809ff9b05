"""Silent-team alerts, their follow-ups, and the `/mentor silent` list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.advisor.views import advisor_digest
from bot.slack.blocks import actions, button, context, input_block, modal, section
from bot.slack.dates import human_date
from bot.slack.metadata import Metadata
from bot.slack.text import TypedText

REACHED_OUT = "silence_reached_out"
SNOOZE = "silence_snooze"
OPEN_TEAM = "silence_open_team"
REACHED_OUT_CALLBACK = "silence_reached_out_note"
PARTNER_CALLBACK = "silence_partner_report"
PARTNER_OPEN = "silence_partner_open"


def partner_button_block(team_id: int) -> dict[str, Any]:
    """The Home tab's quiet way to ask the content advisor for help."""
    return actions(button("My partner isn't responding", PARTNER_OPEN, str(team_id)))


@dataclass(frozen=True)
class SilentTeam:
    team_id: int
    mentor: str
    protege: str
    school_days_quiet: int
    last_activity: date
    last_contact: str | None  # "phone call (Communication Log) on Tue, Oct 1", or None
    overdue: Sequence[str]  # step names, no judgement


def _buttons(team_id: int, spell: date, with_actions: bool = True) -> dict[str, Any]:
    value = f"{team_id}:{spell.isoformat()}"
    elements = []
    if with_actions:
        elements += [
            button("I've reached out", REACHED_OUT, value, style="primary"),
            button("Snooze 7 days", SNOOZE, value),
        ]
    elements.append(button("Open team", OPEN_TEAM, value))
    return actions(*elements)


def _facts(team: SilentTeam, today: date) -> str:
    lines = [
        f"No activity for *{team.school_days_quiet} school days* "
        f"(since {human_date(team.last_activity, today)})."
    ]
    lines.append(
        f"Last contact: {team.last_contact}." if team.last_contact else "No contact recorded yet."
    )
    if team.overdue:
        lines.append("Overdue: " + "; ".join(team.overdue[:6]) + ".")
    return "\n".join(lines)


def alert_message(
    team: SilentTeam, spell: date, today: date, reminder: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    lead = "Reminder: still quiet" if reminder else "A team has gone quiet"
    text = f"{lead}: <@{team.mentor}> and <@{team.protege}>"
    blocks = [
        section(f"*{text}*\n{_facts(team, today)}"),
        _buttons(team.team_id, spell),
        context(
            "A short check-in often helps. Mentoring is not evaluation: "
            "this is only about staying in touch."
        ),
    ]
    return text, blocks


def partner_report_message(
    team: SilentTeam, reporter: str, spell: date, note: TypedText | None, today: date
) -> tuple[str, list[dict[str, Any]]]:
    """At once, in the layout of the advisor's digest, whose needs-you part keeps it until
    the advisor answers."""
    from bot.advisor.rules import report_item, report_text  # the rules name SilentTeam

    item = report_item(team.team_id, team.mentor, team.protege, reporter, today, note)
    return report_text(reporter), advisor_digest([item])[1]


def escalation_message(
    team: SilentTeam, advisor: str | None, spell: date, today: date
) -> tuple[str, list[dict[str, Any]]]:
    who = f"two alerts to <@{advisor}>" if advisor else "two alerts"
    text = f"<@{team.mentor}> and <@{team.protege}> are still quiet and {who} had no answer"
    blocks = [
        section(f"*{text}*\n{_facts(team, today)}"),
        _buttons(team.team_id, spell),
    ]
    return text, blocks


def back_in_touch_message(
    mentor: str, protege: str, last: date, today: date
) -> tuple[str, list[dict[str, Any]]]:
    text = f"Good news: <@{mentor}> and <@{protege}> are back in touch"
    return text, [
        section(
            f"*{text}*\nLatest activity {human_date(last, today)}. "
            "Thank you for keeping an eye out."
        )
    ]


def reached_out_modal(team_id: int, spell: date) -> dict[str, Any]:
    blocks = [
        input_block(
            "note",
            "What did you do? (optional)",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 1000,
            },
            optional=True,
            hint="For example: called the mentor, they are back from leave next week.",
        )
    ]
    return modal(
        REACHED_OUT_CALLBACK,
        "I've reached out",
        blocks,
        submit="Save",
        private_metadata=Metadata(team=team_id, spell=spell).dump(),
    )


def partner_modal(team_id: int) -> dict[str, Any]:
    blocks = [
        section(
            "Your content advisor will be told at once and will reach out. "
            "Nothing is held against anyone."
        ),
        input_block(
            "note",
            "Anything they should know? (optional)",
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 1000,
            },
            optional=True,
        ),
    ]
    return modal(
        PARTNER_CALLBACK,
        "Partner not responding",
        blocks,
        submit="Tell my advisor",
        private_metadata=Metadata(team=team_id).dump(),
    )


def silent_list(
    silent: Sequence[SilentTeam], at_risk: Sequence[SilentTeam], today: date, scope: str
) -> tuple[str, list[dict[str, Any]]]:
    if not silent and not at_risk:
        text = f"No silent or at-risk teams among {scope}. Everyone is in touch."
        return text, [section(text)]
    text = f"{len(silent)} silent and {len(at_risk)} at-risk teams among {scope}"
    lines = [
        f"• <@{t.mentor}> mentoring <@{t.protege}>: {t.school_days_quiet} school days"
        + (f", last contact {t.last_contact}" if t.last_contact else ", no contact yet")
        for t in silent[:25]
    ]
    blocks = [section(f"*{text}*")]
    if lines:
        more = f"\n…and {len(silent) - 25} more." if len(silent) > 25 else ""
        blocks.append(section("*Silent, longest first*\n" + "\n".join(lines) + more))
    if at_risk:
        risk = [f"• <@{t.mentor}> mentoring <@{t.protege}>" for t in at_risk[:25]]
        more = f"\n…and {len(at_risk) - 25} more." if len(at_risk) > 25 else ""
        blocks.append(
            section("*At risk: fewer than two contacts this month*\n" + "\n".join(risk) + more)
        )
    return text, blocks
