"""Each deadline's step: what the shipped file says, the questions the code asks of it, and
the loader's (and `mentorbot program check`'s) refusals, each one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.experiences.rules import EXPERIENCE, EXTRA_EXPERIENCES
from bot.program import Program, Step, StepKind, Upload, load_program
from bot.reports.rules import ASSESSMENT, PD_VERIFICATION, VISIT_REPORT
from tests.test_program import SHIPPED, refusal, variant


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program()


# --- the shipped file ------------------------------------------------------------------------


@pytest.mark.parametrize("track", ["year1", "year2"])
def test_every_step_is_told_apart_in_its_track(program: Program, track: str) -> None:
    keys = [d.key for d in program.deadlines(track)]
    assert len(keys) == len(set(keys))


def test_year_one_has_four_experiences_of_three_parts(program: Program) -> None:
    assert program.step_numbers("year1", EXPERIENCE) == (1, 2, 3, 4)
    assert program.step_numbers("year2", EXPERIENCE) == ()
    parts = [d.step.part for d in program.steps("year1", EXPERIENCE, 3)]
    assert parts == ["send", "comment", "file"]
    comment = program.step("year1", EXPERIENCE, 4, "comment")
    assert comment is not None and comment.title == "Mentor completes/discusses Comment Form"
    assert program.step("year1", EXPERIENCE, 5) is None


def test_steps_of_the_calendar(program: Program) -> None:
    assert program.has_step("year2", EXTRA_EXPERIENCES)
    assert not program.has_step("year1", EXTRA_EXPERIENCES)
    assert program.has_step("year2", ASSESSMENT)
    assert [d.step.number for d in program.steps("year1", PD_VERIFICATION)] == [1, 2]
    answer = program.step("year2", StepKind.SURVEY, part="answer")
    link = program.step("year2", StepKind.SURVEY, part="link")
    assert answer is not None and link is not None and link.due < answer.due
    meeting = program.step("year1", StepKind.MEETING)
    assert meeting is not None
    assert meeting.step == Step(StepKind.MEETING, place="Jefferson City, MO", in_person=True)
    logs = program.steps("year1", StepKind.COMMUNICATION_LOG)
    assert len(logs) == 8 and logs[0].key == "communication_log@2024-09-20"


def test_delivery_keys_name_the_year_and_the_step(program: Program) -> None:
    visit = program.step("year1", VISIT_REPORT)
    assert visit is not None
    assert program.step_key(visit) == "2024-25:visit_report"
    second = program.step("year1", StepKind.SEMESTER_PROGRESS, 2)
    assert second is not None and program.step_key(second) == "2024-25:semester_progress-2"


def test_a_renamed_deadline_is_the_same_step(tmp_path: Path) -> None:
    renamed = load_program(variant(tmp_path, 'id = "visit-report"', 'id = "dec-visit"'))
    visit = renamed.step("year1", VISIT_REPORT)
    assert visit is not None and visit.id == "dec-visit"
    assert renamed.step_key(visit) == "2024-25:visit_report"


def test_holder_and_upload_are_read(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        'form = "visit_report"\nupload = { required = false }\n',
        'form = "visit_report"\nholder = "mentor"\n'
        'upload = { required = true, link = "https://drive.example/visit" }\n',
    )
    visit = load_program(path).step("year1", VISIT_REPORT)
    assert visit is not None
    assert visit.step.holder == "mentor"
    assert visit.step.upload == Upload(True, "https://drive.example/visit")
    assert visit.key == "visit_report"


def test_the_shipped_file_files_in_slack_what_the_manual_uploads_to_google() -> None:
    """Issue 14 §10: every step the manual files in Google says so in the shipped file, and
    the shipped reading is that the bot's filing replaces the upload."""
    program = load_program()
    google = {
        "year1": {"contact_form", "focal_points", "decision_points", "mentoring_plan",
                  "experience-1-file", "experience-2-file", "experience-3-file",
                  "experience-4-file", "visit_report", "pd_verification-1",
                  "pd_verification-2", "communication_log"},
        "year2": {"contact_form", "focal_points", "decision_points", "mentoring_plan",
                  "assessment", "extra_experiences", "visit_report", "communication_log"},
    }  # fmt: skip
    for track, keys in google.items():
        uploads = {d.step.key: d.step.upload for d in program.deadlines(track) if d.step.upload}
        assert set(uploads) == keys
        assert all(u.required is False for u in uploads.values())
        assert all(d.step.upload_link is None for d in program.deadlines(track))
    experience = program.step("year1", EXPERIENCE, 1, "file")
    assert experience is not None and experience.step.upload == Upload(
        False, "https://forms.gle/Wf5R8thSCd2Ejz9p8"
    )


def test_a_required_upload_names_where(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        'upload = { required = false, link = "https://forms.gle/Wf5R8thSCd2Ejz9p8" }',
        'upload = { required = true, link = "https://forms.gle/Wf5R8thSCd2Ejz9p8" }',
    )
    program = load_program(path)
    experience = program.step("year1", EXPERIENCE, 1, "file")
    assert experience is not None
    assert experience.step.upload_link == "https://forms.gle/Wf5R8thSCd2Ejz9p8"
    assert program.step("year1", EXPERIENCE, 2, "file").step.upload_link is None  # type: ignore[union-attr]


# --- refusals --------------------------------------------------------------------------------


def test_a_required_upload_without_its_link_is_refused(tmp_path: Path) -> None:
    error = refusal(
        variant(tmp_path, "upload = { required = false }", "upload = { required = true }")
    )
    assert error.key.endswith(".upload.link")
    assert "a required upload needs its link" in error.reason


def test_a_deadline_without_a_step_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'step = "completers"\n', ""))
    assert (error.key, error.reason) == ("deadlines[24].step", "required key is missing")


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'step = "visit_report"', 'step = "visit"'))
    assert error.key == "deadlines[11].step"
    # The initial meeting first; the content advisor's own steps (their feature, `advisor`)
    # come before the forms' kinds.
    assert error.reason.startswith("'visit' is not a step kind (meeting, ")
    assert "advisor_introduction, advisor_contact, plan_review, contact_form, " in error.reason


def test_a_parameter_the_kind_does_not_take_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'step = "contact_form"', 'step = "contact_form"\nnumber = 1'))
    assert (error.key, error.reason) == (
        "deadlines[1].number",
        "a contact_form step takes no number",
    )
    error = refusal(variant(tmp_path, 'step = "survey"', 'step = "survey"\nplace = "Online"'))
    assert (error.key, error.reason) == ("deadlines[22].place", "a survey step takes no place")


def test_a_missing_or_bad_parameter_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'number = 1\npart = "send"\n', 'part = "send"\n'))
    assert (error.key, error.reason) == ("deadlines[5].number", "required key is missing")
    error = refusal(variant(tmp_path, 'number = 1\npart = "send"', 'number = 1\npart = "sent"'))
    assert (error.key, error.reason) == (
        "deadlines[5].part",
        "'sent' is not a part of experience (send, comment, file)",
    )
    error = refusal(variant(tmp_path, "\nin_person = true\n", '\nin_person = "yes"\n'))
    assert (error.key, error.reason) == (
        "deadlines[0].in_person",
        "expected true or false, got a string ('yes')",
    )
    error = refusal(
        variant(tmp_path, 'step = "visit_report"', 'step = "visit_report"\nholder = "staff"')
    )
    assert (error.key, error.reason) == (
        "deadlines[11].holder",
        "'staff' is not a holder (mentor, protege, team, advisor)",
    )


def test_a_step_in_the_wrong_table_is_refused(tmp_path: Path) -> None:
    error = refusal(variant(tmp_path, 'step = "communication_log"', 'step = "survey"'))
    assert (error.key, error.reason) == ("rules[0].step", "a survey step belongs in [[deadlines]]")
    error = refusal(variant(tmp_path, 'step = "completers"', 'step = "communication_log"'))
    assert (error.key, error.reason) == (
        "deadlines[24].step",
        "a communication_log step belongs in [[rules]]",
    )


def test_the_same_step_twice_in_a_track_is_refused(tmp_path: Path) -> None:
    sent = 'id = "experience-2-send"\nstep = "experience"\nnumber = '
    twice = SHIPPED.replace(sent + "2", sent + "1", 1)
    path = tmp_path / "twice.toml"
    path.write_text(twice, encoding="utf-8")
    error = refusal(path)
    assert (error.key, error.reason) == (
        "deadlines[8].step",
        "'experience-1-send' is already the step of deadlines[5] in track year1",
    )


def test_an_experience_past_the_tracks_count_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "past.toml"
    path.write_text(
        SHIPPED.replace('step = "experience"\nnumber = 4', 'step = "experience"\nnumber = 6'),
        encoding="utf-8",
    )
    error = refusal(path)
    assert (error.key, error.reason) == (
        "deadlines[16].number",
        "experience 6 is past the count: track year1 has 4 numbered experience step(s), "
        "so they run 1 to 4",
    )


def test_an_experience_without_its_first_part_is_refused(tmp_path: Path) -> None:
    start = SHIPPED.index('[[deadlines]]\nid = "experience-3-send"')
    end = SHIPPED.index("[[deadlines]]", start + 1)
    path = tmp_path / "nosend.toml"
    path.write_text(SHIPPED[:start] + SHIPPED[end:], encoding="utf-8")
    error = refusal(path)
    assert (error.key, error.reason) == (
        "deadlines[13].part",
        "experience 3 in track year1 has no 'send' step to start it",
    )


def test_program_check_refuses_inconsistent_steps_with_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "past.toml"
    path.write_text(
        SHIPPED.replace('step = "experience"\nnumber = 4', 'step = "experience"\nnumber = 6'),
        encoding="utf-8",
    )
    assert main(["program", "check", str(path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"mentorbot: {path}: deadlines[16].number: experience 6 is past")
