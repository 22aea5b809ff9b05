"""Duties: each computes, from the database and the program, the notices due by `now`.

A duty only reads. It yields every notice whose moment has come, sent or not; the tick and
the ledger decide what still needs sending. Add a duty by appending it to DUTIES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.program import Program
from schedules.duties.accounts import deactivated_members
from schedules.duties.advisor import done_outside, open_reports
from schedules.duties.advisor_steps import advisor_steps, attendance_to_record, plans_to_review
from schedules.duties.completion import completion_summaries
from schedules.duties.logs import log_nudges
from schedules.duties.meetings import meeting_reminders
from schedules.duties.semester_progress import semester_progress
from schedules.duties.silence import silence
from schedules.duties.status import deadline_nudges
from schedules.duties.survey import survey
from schedules.duties.teams import welcomes
from schedules.duties.topic_prompts import topic_prompts
from schedules.duties.years import year_two_welcomes
from schedules.notice import Notice

Duty = Callable[[Session, Program, datetime], Iterable[Notice]]

DUTIES: tuple[Duty, ...] = (
    welcomes,
    year_two_welcomes,
    topic_prompts,
    log_nudges,
    silence,
    open_reports,
    done_outside,
    plans_to_review,
    attendance_to_record,
    advisor_steps,
    meeting_reminders,
    deadline_nudges,
    semester_progress,
    survey,
    deactivated_members,
    completion_summaries,
)
