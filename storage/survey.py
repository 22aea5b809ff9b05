"""The spring program evaluation survey, and the report runs (one at a time per person).

Survey answers are kept per person only so that each person answers once and reminders stop;
they are read back only in aggregate (see `survey_summary`), and only when enough people
answered that nobody can be picked out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ForeignKey,
    Integer,
    Row,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import column_rows
from storage.models import Base, UtcDateTime

MIN_RESPONSES = 5  # answers of fewer people than this are never reported, even in aggregate
RATINGS = ("relationship", "benefits", "materials")
REPORT_LEASE = timedelta(minutes=10)  # a report still "running" after this was interrupted


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("team_id", "slack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    slack_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # mentor or protege
    relationship: Mapped[int] = mapped_column(Integer)  # 1-5
    benefits: Mapped[int] = mapped_column(Integer)
    materials: Mapped[int] = mapped_column(Integer)
    comments: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportRun(Base):
    """One report someone asked for. `lock` is set while it runs: a unique column, so a
    second request from the same person at the same moment cannot start another."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("lock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(64))  # "program" or "advisor"
    lock: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(64))


# --- survey ------------------------------------------------------------------------------------


def record_response(
    session: Session,
    *,
    program_id: str,
    team_id: int,
    slack_id: str,
    role: str,
    ratings: dict[str, int],
    comments: str | None,
    now: datetime,
) -> bool:
    """Store one person's answers for one team; False when they had answered already."""
    row = SurveyResponse(
        program_id=program_id,
        team_id=team_id,
        slack_id=slack_id,
        role=role,
        relationship=ratings["relationship"],
        benefits=ratings["benefits"],
        materials=ratings["materials"],
        comments=comments,
        submitted_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def answered(session: Session, team_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(team id, Slack id) of everyone who has answered, for the given teams."""
    return set(answered_at(session, team_ids))


_ANSWERED_AT = select(
    SurveyResponse.team_id, SurveyResponse.slack_id, SurveyResponse.submitted_at
).where(SurveyResponse.team_id.in_(bindparam("team_ids", expanding=True)))


def answered_at(session: Session, team_ids: Iterable[int]) -> dict[tuple[int, str], datetime]:
    """When each person answered, by (team id, Slack id), for the given teams."""
    ids = list(team_ids)
    found: dict[tuple[int, str], datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = column_rows(session, _ANSWERED_AT, {"team_ids": chunk})
        found.update({(team_id, slack_id): at for team_id, slack_id, at in rows})
    return found


@dataclass(frozen=True)
class SurveySummary:
    responses: int  # answers: all of them while the survey is open, those counted once closed
    people: int  # distinct people among the answers counted
    averages: dict[str, float]  # empty below MIN_RESPONSES people
    comments: tuple[str, ...]  # free text, unattributed, sorted

    @property
    def reportable(self) -> bool:
        return bool(self.averages)


def survey_summary(
    session: Session,
    program_id: str,
    team_ids: Iterable[int],
    counted_before: Mapping[int, datetime] | None,
) -> SurveySummary:
    """Averages and comments over the answers each team gave before its `counted_before`
    instant (a team not named counts none), and only when at least MIN_RESPONSES distinct
    people gave them: a mentor of five teams answering five times is one person. Each person
    weighs the same, however many teams they answered for.

    `counted_before` None: the survey is still open, and only the number of answers so far
    comes out. Once it is given, an answer after it changes nothing here, not even a count."""
    ids = list(team_ids)
    rows: list[Row[int, str, datetime, int, int, int, str | None]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += session.execute(
            select(
                SurveyResponse.team_id,
                SurveyResponse.slack_id,
                SurveyResponse.submitted_at,
                SurveyResponse.relationship,
                SurveyResponse.benefits,
                SurveyResponse.materials,
                SurveyResponse.comments,
            ).where(SurveyResponse.program_id == program_id, SurveyResponse.team_id.in_(chunk))
        ).all()
    if counted_before is None:
        return SurveySummary(len(rows), 0, {}, ())
    by_person: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    comments = []
    counted = 0
    for team_id, slack_id, at, relationship, benefits, materials, comment in rows:
        before = counted_before.get(team_id)
        if before is None or at >= before:
            continue
        counted += 1
        by_person[slack_id].append((relationship, benefits, materials))
        if comment and comment.strip():
            comments.append(comment.strip())
    if len(by_person) < MIN_RESPONSES:
        return SurveySummary(counted, len(by_person), {}, ())
    means = [
        [sum(column) / len(answers) for column in zip(*answers, strict=True)]
        for answers in by_person.values()
    ]
    averages = {
        name: round(sum(person[i] for person in means) / len(means), 2)
        for i, name in enumerate(RATINGS)
    }
    # Sorted so the order says nothing about who answered when.
    return SurveySummary(counted, len(by_person), averages, tuple(sorted(comments)))


# --- report runs ----------------------------------------------------------------------------------


def start_report(session: Session, requester: str, scope: str, now: datetime) -> int | None:
    """Take the requester's report lock; None while another of their reports is running."""
    lock = f"report:{requester}"
    # A run interrupted (a restart mid-report) gives its lock up after the lease.
    session.execute(
        update(ReportRun)
        .where(ReportRun.lock == lock, ReportRun.started_at < now - REPORT_LEASE)
        .values(lock=None, outcome="interrupted")
    )
    run = ReportRun(requester=requester, scope=scope, lock=lock, started_at=now)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return None
    return run.id


def record_export(session: Session, requester: str, scope: str, now: datetime, outcome: str) -> int:
    """A report made at once, outside Slack (`mentorbot export`): recorded as a finished run,
    so that `report_runs` lists every program report, who asked and when."""
    run = ReportRun(
        requester=requester, scope=scope, started_at=now, finished_at=now, outcome=outcome[:64]
    )
    session.add(run)
    session.flush()
    return run.id


def finish_report(session: Session, run_id: int, now: datetime, outcome: str) -> None:
    session.execute(
        update(ReportRun)
        .where(ReportRun.id == run_id)
        .values(lock=None, finished_at=now, outcome=outcome[:64])
    )
