"""Meeting attendance: the content advisor or staff record each team at the track's meetings
(the manual's mandatory initial meeting, Sep 25; year two's Oct 1). A meeting counts as done
when the team attended, or was excused (paired after the meeting, absent for cause, or made
it up); "absent" keeps it open. Until someone records it, a past meeting stays due, never
late: the record is the advisor's to make, and the team should not turn red for its wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.access import Refusal
from bot.program import Deadline, Program
from bot.status.deliverables import member_meetings
from storage.meetings import Attendance, MeetingAttendance, attendance_of
from storage.models import Team
from storage.revisions import current, try_revise

COUNTS = frozenset({Attendance.ATTENDED, Attendance.EXCUSED})
LABELS = {
    Attendance.ATTENDED: "Attended",
    Attendance.EXCUSED: "Excused or made up",
    Attendance.ABSENT: "Absent",
}


@dataclass(frozen=True)
class MeetingRecord:
    """One meeting of a team's track and its current record, as the modal shows it."""

    meeting: Deadline
    state: Attendance | None


def meetings_of(session: Session, program: Program, team: Team) -> list[MeetingRecord]:
    records = attendance_of(session, [team.id], program.id)
    return [
        MeetingRecord(m, r.state if (r := records.get((team.id, m.key))) is not None else None)
        for m in member_meetings(program, team.track)
    ]


def record_attendance(
    session: Session,
    program: Program,
    team: Team,
    step: str,
    state: Attendance,
    by: str,
    now: datetime,
) -> bool:
    """Record one meeting for the team (access is the caller's: RECORD_ATTENDANCE); False
    when it already says so."""
    if step not in {m.key for m in member_meetings(program, team.track)}:
        raise Refusal("That meeting is not on this team's calendar.")
    earlier = current(session, MeetingAttendance, team_id=team.id, program_id=program.id, step=step)
    if earlier is not None and earlier.state == state:
        return False
    later = MeetingAttendance(
        team_id=team.id,
        program_id=program.id,
        step=step,
        state=state,
        recorded_by=by,
        recorded_at=now,
    )
    if not try_revise(session, earlier, later, by, now):
        raise Refusal("Someone recorded this meeting a moment ago. Please open it again.")
    return True
