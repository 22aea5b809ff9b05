"""What a deadline asks for: its step, named by kind and parameters rather than by its id.

The code asks questions of steps ("the Mentor Comment Form of experience 2") and never of
deadline ids, so a program file can call its deadlines anything. Delivery keys are built
from `Step.key` too, which stays the same when a file renames a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.program.kinds import StepKind

HOLDERS = ("mentor", "protege", "team", "advisor")


@dataclass(frozen=True)
class Upload:
    """Whether the step still asks for an upload outside Slack, and where. Not required: the
    bot's filing replaces the upload, and nothing people read mentions it (the link, if
    given, is kept for staff). Required: every name of the step says where to upload
    (`bot.program.text.with_upload`; the loader refuses it without its link); the step still
    counts when filed in Slack, as the bot cannot see the upload to check it."""

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
    def upload_link(self) -> str | None:
        """Where the step must still be uploaded outside Slack; None when the bot's filing
        replaces the upload (or the step asks for none)."""
        if self.upload is None or not self.upload.required:
            return None
        return self.upload.link

    @property
    def key(self) -> str:
        """Kind and parameters, e.g. "experience-2-comment": the step's name in keys."""
        words: list[str] = [self.kind]
        if self.number is not None:
            words.append(str(self.number))
        if self.part is not None:
            words.append(self.part)
        return "-".join(words)

    def is_(self, kind: StepKind, number: int | None = None, part: str | None = None) -> bool:
        """This kind, and this number and part where given."""
        return (
            self.kind == kind
            and (number is None or self.number == number)
            and (part is None or self.part == part)
        )


__all__ = ["HOLDERS", "Step", "Upload"]
