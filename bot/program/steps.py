"""What a deadline asks for: its step, named by kind and parameters rather than by its id.

The code asks questions of steps ("the Mentor Comment Form of experience 2") and never of
deadline ids, so a program file can call its deadlines anything. Delivery keys are built
from `Step.key` too, which stays the same when a file renames a deadline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class StepKind(enum.StrEnum):
    MEETING = "meeting"
    CONTACT_FORM = "contact_form"
    FOCAL_POINTS = "focal_points"
    DECISION_POINTS = "decision_points"
    MENTORING_PLAN = "mentoring_plan"
    EXPERIENCE = "experience"
    EXTRA_EXPERIENCES = "extra_experiences"
    VISIT_REPORT = "visit_report"
    ASSESSMENT = "assessment"
    PD_VERIFICATION = "pd_verification"
    COMMUNICATION_LOG = "communication_log"
    SEMESTER_PROGRESS = "semester_progress"
    SURVEY = "survey"
    COMPLETERS = "completers"
    PAYMENT = "payment"


# Experience parts, in the order the chain runs: the protégé sends it, the mentor writes the
# Mentor Comment Form, the protégé signs both off (the manual's "uploads … to Google").
SEND, COMMENT, FILE = "send", "comment", "file"
# Survey parts: staff send the link, then mentors and protégés answer.
LINK, ANSWER = "link", "answer"

HOLDERS = ("mentor", "protege", "team", "advisor")


@dataclass(frozen=True)
class Spec:
    """The parameters a kind takes; the loader refuses any other."""

    numbered: bool = False
    parts: tuple[str, ...] = ()
    meeting: bool = False  # may say where (place) and whether in person
    recurring: bool = False  # only on [[rules]]: one step, one deadline per date


SPECS: dict[StepKind, Spec] = {
    StepKind.MEETING: Spec(meeting=True),
    StepKind.EXPERIENCE: Spec(numbered=True, parts=(SEND, COMMENT, FILE)),
    StepKind.PD_VERIFICATION: Spec(numbered=True),
    StepKind.SEMESTER_PROGRESS: Spec(numbered=True),
    StepKind.COMMUNICATION_LOG: Spec(recurring=True),
    StepKind.SURVEY: Spec(parts=(LINK, ANSWER)),
    StepKind.PAYMENT: Spec(parts=("requests", "finalized")),
}


def spec(kind: StepKind) -> Spec:
    return SPECS.get(kind, Spec())


@dataclass(frozen=True)
class Upload:
    """Whether the step still asks for an upload outside Slack, and where."""

    required: bool
    link: str | None = None


@dataclass(frozen=True)
class Step:
    kind: StepKind
    number: int | None = None
    part: str | None = None
    holder: str | None = None  # who holds the step when it is not the deadline's role
    place: str | None = None  # meetings only
    in_person: bool | None = None  # meetings only
    upload: Upload | None = None

    @property
    def key(self) -> str:
        """Kind and parameters, e.g. "experience-2-comment": the step's name in keys."""
        words = [self.kind.value]
        if self.number is not None:
            words.append(str(self.number))
        if self.part is not None:
            words.append(self.part)
        return "-".join(words)

    def is_(self, kind: StepKind, number: int | None = None, part: str | None = None) -> bool:
        """This kind, and this number and part where given."""
        return (
            self.kind is kind
            and (number is None or self.number == number)
            and (part is None or self.part == part)
        )


__all__ = [
    "ANSWER",
    "COMMENT",
    "FILE",
    "HOLDERS",
    "LINK",
    "SEND",
    "SPECS",
    "Spec",
    "Step",
    "StepKind",
    "Upload",
    "spec",
]
