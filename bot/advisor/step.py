"""The content advisor's own steps, as a program file names them. They are the advisor's to
take, not the team's: a team's status and its completion never wait on them
(`bot.status.deliverables` counts only the mentor's and protégé's steps); the advisor hears
of them in the morning message and marks them done (`bot.advisor.duties`)."""

from __future__ import annotations

from bot.program.kinds import Spec, StepKind

# "Keeps open communication with mentor team building administrators at least twice a year.
# Introduce yourself in August or September."
ADVISOR_INTRODUCTION = StepKind("advisor_introduction")
# "Keeps open lines of communication with mentor teams monthly starting in early August."
ADVISOR_CONTACT = StepKind("advisor_contact")
# "if there are concerns or things to be changed—you will be notified within a week by your
# content advisor" (the Individual Mentoring Plan).
PLAN_REVIEW = StepKind("plan_review")

KINDS = {
    ADVISOR_INTRODUCTION: Spec(),
    ADVISOR_CONTACT: Spec(recurring=True),
    PLAN_REVIEW: Spec(),
}
