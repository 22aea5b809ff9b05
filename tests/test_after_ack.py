"""The answer to a submission does not wait for the work after it: served as in production
(not settled, unlike the other tests' server), a Communication Log is acknowledged while
Slack still holds the partner's DM, and the DM arrives once Slack answers."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.seeding import seed_teams
from bot.platform.log_format import FORMAT, PrivateTracebacks
from handlers import after_ack, fork_server
from handlers.status import ANSWER_LATER_OVER
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, serve_app
from tests.signing import slash_command
from tests.test_logs_http import MENTOR, PROTEGE, file_entry, world  # noqa: F401 (fixture)
from tests.test_server import _free_port as free_port
from tests.test_server import _wait_for as wait_for
from tests.test_server import run_bot
from tests.test_status_later import ResponseUrl


@pytest.fixture
def app_server(sqlite_url, standin, program):
    with serve_app(sqlite_url, standin, program, settle=False) as served:
        yield served


def test_a_filed_log_is_acknowledged_before_slack_takes_the_partners_dm(world) -> None:  # noqa: F811
    base, _, fake, _ = world
    slack_answers = threading.Event()
    answer = fake.answer

    def held(method, params, token):
        if method == "chat.postMessage":
            slack_answers.wait(30)
        return answer(method, params, token)

    fake.answer = held
    try:
        body = file_entry(base, fake)
        assert body["response_action"] == "update"
        # Acknowledged, and the DM is still with Slack: the ack did not wait for it.
        assert fake.messages_to(PROTEGE) == []
    finally:
        slack_answers.set()
    fake.wait_for("chat.postMessage", 1, timeout=10)
    [dm] = fake.messages_to(PROTEGE)
    assert "Please confirm" in dm["text"] and f"<@{MENTOR}>" in dm["text"]


def test_drain_finishes_the_work_in_flight() -> None:
    """What a stopping worker does before it exits: the work handed over runs to its end."""
    started, release, finished = threading.Event(), threading.Event(), []

    def slow() -> None:
        started.set()
        release.wait(30)
        finished.append("done")

    after_ack.after_ack(slow)
    assert started.wait(5) and finished == []  # in flight
    after_ack.after_ack(release.set)  # let go from another thread while drain() waits
    after_ack.drain()
    assert finished == ["done"]


def test_heavy_work_runs_in_another_process_and_its_result_is_posted() -> None:
    posted: list[int] = []
    after_ack.heavy(os.getpid, then=posted.append)
    after_ack.drain(timeout=60)
    [pid] = posted
    assert pid != os.getpid()


def test_heavy_work_yields_the_cores_to_the_web_worker() -> None:
    niceness: list[int] = []
    after_ack.heavy(os.nice, 0, then=niceness.append)
    after_ack.drain(timeout=60)
    assert niceness == [min(19, os.nice(0) + fork_server.BACKGROUND)]


def test_heavy_work_that_fails_tells_the_person_instead(caplog) -> None:
    posted: list[object] = []
    after_ack.heavy(int, "not a number", then=posted.append, failed=lambda: posted.append("sorry"))
    after_ack.drain(timeout=60)
    assert posted == ["sorry"]
    assert "ValueError" in caplog.text and "not a number" not in caplog.messages[0]
    # As the bot's own log writes it: the frames and the type, not what was typed.
    [record] = [r for r in caplog.records if r.exc_info]
    written = PrivateTracebacks(FORMAT).format(record)
    assert "ValueError (message withheld)" in written and "Traceback" in written
    assert "not a number" not in written
    # The frames of the process that raised it come first, as its cause.
    remote, local = written.split("The above led to:")
    assert "in _outcome" in remote and "ValueError (message withheld)" in remote
    assert "in _outcome" not in local


def _fork_servers() -> list[int]:
    """The fork servers this process started fresh."""
    return [p for p in children(os.getpid()) if b"import _fresh" in command_line(p)]


def test_heavy_work_goes_on_after_its_fork_server_is_killed() -> None:
    posted: list[object] = []
    after_ack.heavy(os.getpid, then=posted.append)
    after_ack.drain(timeout=60)
    [server] = _fork_servers()
    os.kill(server, signal.SIGKILL)
    assert waited_for(lambda: [server] if gone(server) else []) == [server]
    after_ack.heavy(functools.partial(_files, 10), then=posted.append)
    after_ack.drain(timeout=60)
    assert posted[1:] == [_files(10)]
    # A fresh server, which imported the work's module (not functools') once for its forks.
    [fresh] = _fork_servers()
    assert fresh != server and b"tests.test_after_ack" in command_line(fresh)


def _work_processes() -> list[int]:
    return [p for server in _fork_servers() for p in running(server)]


def test_work_in_flight_is_not_stopped_by_the_signal_that_stops_the_server(tmp_path) -> None:
    """A platform stopping the server signals every process: the worker waits for the work
    in flight (gunicorn's graceful stop), which goes on to its end."""
    posted: list[object] = []
    hold = _holding(tmp_path)
    after_ack.heavy(_held, hold, then=posted.append)
    [process] = waited_for(_work_processes)
    for pid in [process, *_fork_servers()]:
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGINT)
    _release(hold)
    after_ack.drain(timeout=60)
    assert posted == ["released"]


def _holding(folder: Path) -> str:
    """A named pipe that holds heavy work (`_held`) until the test lets go (`_release`)."""
    path = folder / "hold"
    os.mkfifo(path)
    return str(path)


def _held(path: str) -> str:
    with open(path) as pipe:  # opens once a writer has, reads until it closes
        pipe.read()
    return "released"


def _release(path: str) -> None:
    with open(path, "w"):
        pass


def test_heavy_work_that_takes_too_long_is_ended_and_the_person_told(
    monkeypatch, caplog, tmp_path
) -> None:
    posted: list[object] = []
    after_ack.heavy(os.getpid, then=posted.append)  # a fork server started, and ready
    after_ack.drain(timeout=60)
    monkeypatch.setattr(after_ack, "HEAVY_TIMEOUT", 2)
    hold = _holding(tmp_path)  # never let go
    after_ack.heavy(_held, hold, then=posted.append, failed=lambda: posted.append("sorry"))
    [process] = waited_for(_work_processes)  # at work
    after_ack.drain(timeout=60)
    assert posted[1:] == ["sorry"] and "TimeoutError" in caplog.text
    assert "trying once more" not in caplog.text  # not tried again: it would wait as long
    # Its process, which would hold on forever, ended once its asker let go.
    assert waited_for(lambda: [process] if gone(process) else []) == [process]


def _inheritable_descriptors() -> list[int]:
    return [int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 2 and _inheritable(fd)]


def _inheritable(fd: str) -> bool:
    try:
        return os.get_inheritable(int(fd))
    except OSError:  # the directory's own descriptor, closed by now
        return False


def test_what_heavy_work_starts_inherits_no_socket_of_it() -> None:
    """A program the work ran (and left running) would otherwise hold the asker's socket:
    the asker would wait for it as for the work."""
    posted: list[object] = []
    after_ack.heavy(_inheritable_descriptors, then=posted.append)
    after_ack.drain(timeout=60)
    assert posted == [[]]


def test_work_that_cannot_be_read_where_it_runs_is_a_failure_not_a_death(caplog) -> None:
    elsewhere = types.ModuleType("only_in_this_process")
    exec("def count():\n    return 1\n", elsewhere.__dict__)
    sys.modules[elsewhere.__name__] = elsewhere
    posted: list[object] = []
    try:
        after_ack.heavy(elsewhere.count, then=posted.append, failed=lambda: posted.append(0))
        after_ack.drain(timeout=60)
    finally:
        del sys.modules[elsewhere.__name__]
    assert posted == [0] and "ModuleNotFoundError" in caplog.text
    assert "trying once more" not in caplog.text


def test_heavy_work_starts_a_new_process_after_the_last_one_died() -> None:
    posted: list[object] = []
    # The process dies mid-work (as when it is killed or runs out of memory).
    after_ack.heavy(os._exit, 1, then=posted.append, failed=lambda: posted.append("sorry"))
    after_ack.drain(timeout=60)
    assert posted == ["sorry"]
    after_ack.heavy(os.getpid, then=posted.append)
    after_ack.drain(timeout=60)
    assert len(posted) == 2 and posted[1] != os.getpid()


def _files(size: int) -> dict[str, bytes]:
    """A report's files, as heavy work returns them (a few megabytes)."""
    return {"report.csv": b"team,mentor\n" * (size // 12), "chart.png": bytes(range(256)) * 64}


def test_a_result_of_megabytes_comes_back_whole_through_its_own_socket() -> None:
    posted: list[dict[str, bytes]] = []
    after_ack.heavy(_files, 3_000_000, then=posted.append)
    after_ack.drain(timeout=60)
    assert posted == [_files(3_000_000)]


def _open_files(size: int) -> dict[str, object]:
    """A report's files as a report makes them: the large ones open, unnamed, where their
    writing left them (at their end), the small ones bytes."""
    files: dict[str, object] = _files(size)  # type: ignore[assignment]
    for name in ("report.xlsx", "again.csv"):
        file = tempfile.TemporaryFile()  # noqa: SIM115 (handed over)
        file.write(name.encode() * (size // len(name)))
        files[name] = file
    files["same"] = files["report.xlsx"]  # one file, twice: one descriptor
    return files


def _unnamed_files() -> set[str]:
    """This process's descriptors of files without a name on disk (as /proc shows them:
    "/tmp/#inode (deleted)", or "/tmp/tmpXXXX (deleted)" where the system cannot make a file
    without a name at once), each with its file: other descriptors come and go with other
    threads."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("/") and target.endswith(" (deleted)"):
            found.add(f"{fd} {target}")
    return found


def _open_inodes() -> set[tuple[int, int]]:
    """The files this process holds open, by device and inode."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            held = os.stat(f"/proc/self/fd/{fd}")
            found.add((held.st_dev, held.st_ino))
    return found


def test_open_files_in_an_outcome_come_back_open_at_their_start_and_leave_no_descriptor() -> None:
    posted: list[dict] = []
    after_ack.heavy(os.getpid, then=posted.append)  # a fork server started, and ready
    after_ack.drain(timeout=60)
    before = _unnamed_files()
    after_ack.heavy(_open_files, 2_000_000, then=posted.append)
    after_ack.drain(timeout=60)
    files = posted[1]
    assert files["same"] is files["report.xlsx"]
    opened = [files["report.xlsx"], files["again.csv"]]
    inodes = {(os.fstat(f.fileno()).st_dev, os.fstat(f.fileno()).st_ino) for f in opened}
    try:
        assert len(inodes) == 2 and len(_unnamed_files() - before) >= 2
        # received, not copied: open for reading, never handed on to what this starts
        assert all(isinstance(f, io.BufferedReader) and f.tell() == 0 for f in opened)
        assert not any(os.get_inheritable(f.fileno()) for f in opened)
        assert files["report.xlsx"].read() == b"report.xlsx" * (2_000_000 // 11)
        assert files["again.csv"].read() == b"again.csv" * (2_000_000 // 9)
        assert {n: files[n] for n in ("report.csv", "chart.png")} == _files(2_000_000)
    finally:
        for file in opened:
            file.close()
    assert not inodes & _open_inodes()  # no descriptor of them left


def _closed_file() -> dict[str, object]:
    file = tempfile.TemporaryFile()  # noqa: SIM115
    file.close()
    return {"report.csv": file}


def _named_file(path: str) -> dict[str, object]:
    return {"report.csv": open(path, "wb")}  # noqa: SIM115 (it has a name: not sent)


class _DiesWhenSent:
    """Pickled once (the outcome tried), its process dies the next time (the outcome sent),
    after the descriptors of the files beside it have gone to the asker."""

    pickled = 0

    def __reduce__(self) -> tuple:
        _DiesWhenSent.pickled += 1
        if _DiesWhenSent.pickled > 1:
            os._exit(1)
        return (_DiesWhenSent, ())


def _dies_when_sent() -> list[object]:
    return [_open_files(1000), _DiesWhenSent()]


def test_files_that_cannot_be_handed_over_are_a_failure_and_a_death_leaves_no_descriptor(
    tmp_path, caplog
) -> None:
    posted: list[object] = []
    after_ack.heavy(os.getpid, then=posted.append)  # a fork server started, and ready
    after_ack.drain(timeout=60)
    before = _unnamed_files()
    # a closed file, a file with a name on disk: the work failed (not tried again)
    sorry = functools.partial(posted.append, "sorry")
    after_ack.heavy(_closed_file, then=posted.append, failed=sorry)
    after_ack.heavy(_named_file, str(tmp_path / "named"), then=posted.append, failed=sorry)
    after_ack.drain(timeout=60)
    assert posted[1:] == ["sorry", "sorry"] and "trying once more" not in caplog.text
    assert "ValueError" in caplog.text and "PicklingError" in caplog.text
    # Its process died after sending the descriptors, before the outcome: tried once more,
    # and the descriptors received are closed.
    after_ack.heavy(_dies_when_sent, then=posted.append, failed=sorry)
    after_ack.drain(timeout=60)
    assert posted[3:] == ["sorry"] and "trying once more" in caplog.text
    assert _unnamed_files() <= before  # (another test's, collected meanwhile, may be gone)


def _unsendable() -> object:
    return lambda: None  # no pickle can carry it


def test_heavy_work_leaves_no_file_and_a_result_that_cannot_be_sent_is_a_failure(
    tmp_path, monkeypatch, caplog
) -> None:
    """The result comes back through the work's own socket, as it is written: no file holds a
    report's names meanwhile, not even when the work fails or its process dies."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    posted: list[object] = []
    after_ack.heavy(_files, 1000, then=posted.append)
    # a result that cannot be sent: the work failed (not a process to try again)
    after_ack.heavy(_unsendable, then=posted.append, failed=lambda: posted.append("sorry"))
    # a process that dies (killed, out of memory) before it wrote anything, twice
    after_ack.heavy(os._exit, 1, then=posted.append, failed=lambda: posted.append("sorry"))
    after_ack.drain(timeout=60)
    assert posted == [_files(1000), "sorry", "sorry"]
    assert list(tmp_path.iterdir()) == []
    [unsent] = [r for r in caplog.records if "_unsendable" in r.getMessage()]
    # as the Python version words it
    assert isinstance(unsent.exc_info[1], (AttributeError, pickle.PicklingError))
    assert not [
        r for r in caplog.records if "_unsendable" in r.getMessage() and r.levelname == "WARNING"
    ]


def _note_and_die(path: str) -> None:
    with open(path, "a") as tries:
        tries.write("tried\n")
    os._exit(1)


def test_work_whose_process_died_is_tried_once_more_but_not_while_stopping(tmp_path) -> None:
    posted: list[object] = []
    tries = tmp_path / "tries"
    after_ack.heavy(_note_and_die, str(tries), then=posted.append, failed=lambda: posted.append(0))
    after_ack.drain(timeout=60)
    assert tries.read_text().count("tried") == 2 and posted == [0]
    # Stopping (a platform signals every process): the person is told at once.
    tries.unlink()
    after_ack._stopping.set()
    try:
        after_ack.heavy(
            _note_and_die, str(tries), then=posted.append, failed=lambda: posted.append(1)
        )
        after_ack.drain(timeout=60)
    finally:
        after_ack._stopping.clear()
    assert tries.read_text().count("tried") == 1 and posted == [0, 1]


def test_work_queued_once_covers_the_calls_before_it_starts() -> None:
    """A burst of filings by one person republishes their Home tab once while the first
    republish waits: it reads the database when it starts, after every one of them. Once it
    has started, the next call queues it again (it may have read too early)."""
    release = threading.Event()
    busy = [threading.Event() for _ in range(after_ack._POOL._max_workers)]

    def occupy(started: threading.Event) -> None:
        started.set()
        release.wait(30)

    for started in busy:  # every thread of the pool taken: what comes next waits in line
        after_ack.after_ack(occupy, started)
    assert all(started.wait(10) for started in busy)
    runs: list[str] = []
    try:
        for n in range(3):
            after_ack.after_ack_once("home:U1", runs.append, f"U1 #{n}")
        after_ack.after_ack_once("home:U2", runs.append, "U2")
    finally:
        release.set()
    after_ack.drain()
    assert sorted(runs) == ["U1 #0", "U2"]
    after_ack.after_ack_once("home:U1", runs.append, "U1 again")
    after_ack.drain()
    assert runs[-1] == "U1 again"


def test_program_wide_work_is_done_in_forks_of_the_worker_even_after_one_is_killed(
    sqlite_url, standin
) -> None:
    """`mentorbot run` as served: staff status over more teams than an ack may count, and a
    report, are made in processes forked for them from the worker as loaded (no fresh
    interpreter importing everything again); a process killed mid-work has its work tried
    once more in a new one, and a worker killed takes its work's process with it."""
    fake, api_url = standin
    seed_teams(sqlite_url, ANSWER_LATER_OVER + 1)
    port = free_port()
    process = run_bot(_bot_env(sqlite_url, api_url, port))
    receiver = ResponseUrl()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", time.monotonic() + 60)

        def ask(text: str) -> dict:
            code, body = slash_command(
                base + "/slack/events",
                SIGNING_SECRET,
                "U0STAFF01",
                text,
                response_url=receiver.url,
            )
            assert code == 200
            return body

        assert "Counting" in json.dumps(ask("status"))
        assert "Program status" in json.dumps(receiver.wait(1, timeout=120)[0])
        [worker] = children(process.pid)
        # One process beside the worker, a fork of it: the server that forks each piece of
        # work's process (that of the status has ended with its work).
        [server] = waited_for(lambda: running(worker))
        assert command_line(server) == command_line(worker)

        def working() -> int:
            """The process of the work just asked for, caught and stopped while it works."""
            [helper] = waited_for(lambda: running(server), every=0.005)
            os.kill(helper, signal.SIGSTOP)
            return helper

        assert "Preparing your report" in json.dumps(ask("report"))
        helper = working()
        assert command_line(helper) == command_line(worker)
        # Only the arbiter and the worker hold the port: a helper that outlived them must
        # not keep it (a restart could not bind, and Slack's requests would hang).
        port_sockets = listening(port)
        assert port_sockets and port_sockets <= sockets_of(worker)
        assert not any(port_sockets & sockets_of(pid) for pid in [server, helper])
        # … and they yield the cores to the worker's acks.
        assert all(nice(pid) > nice(worker) for pid in [server, helper])
        os.kill(helper, signal.SIGKILL)
        # tried once more, in a new process: the report arrives
        assert len(fake.wait_for("files.completeUploadExternal", 1, timeout=120)) == 1
        # A worker killed (a timeout, the out-of-memory killer) takes its work with it.
        # (Asked again once the last report is recorded as sent.)
        assert waited_for(
            lambda: [1] if "Preparing your report" in json.dumps(ask("report")) else []
        )
        helper = working()
        os.kill(worker, signal.SIGKILL)
        os.kill(helper, signal.SIGCONT)
        left = [server, helper]
        assert waited_for(lambda: left if all(gone(p) for p in left) else []) == left
    finally:
        receiver.close()
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Traceback" not in output


def test_a_platform_stopping_the_server_mid_report_still_gets_the_report_out(
    sqlite_url, standin
) -> None:
    """A platform stops a server by signalling every process of it (SIGTERM), and kills what
    is left once its grace period is over: the worker finishes the report in flight first,
    and the server exits cleanly."""
    fake, api_url = standin
    seed_teams(sqlite_url, ANSWER_LATER_OVER + 1)
    port = free_port()
    process = run_bot(_bot_env(sqlite_url, api_url, port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", time.monotonic() + 60)
        code, body = slash_command(base + "/slack/events", SIGNING_SECRET, "U0STAFF01", "report")
        assert code == 200 and "Preparing your report" in json.dumps(body)
        [worker] = children(process.pid)
        [server] = waited_for(lambda: running(worker))
        [helper] = waited_for(lambda: running(server), every=0.005)
        os.kill(helper, signal.SIGSTOP)  # held, so that the signal finds it at work
        for pid in (process.pid, worker, server, helper):
            os.kill(pid, signal.SIGTERM)
        os.kill(helper, signal.SIGCONT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0 and "Traceback" not in output
    assert len(fake.calls_to("files.completeUploadExternal")) == 1


def _bot_env(sqlite_url: str, api_url: str, port: int) -> dict[str, str]:
    """`mentorbot run`'s environment: the stand-in's Slack, over HTTP, one member of staff."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": sqlite_url,
        "MENTORBOT_STAFF": "U0STAFF01",
        "PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def waited_for(
    found: Callable[[], list[int]], timeout: float = 30, every: float = 0.05
) -> list[int]:
    """What `found()` finds, once it finds something (or after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(every)
    return result


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (started from any of its threads); not a
    child that has exited and waits to be reaped (a zombie has no command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2] if stat else ("", "0")
        if int(parent) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def running(pid: int) -> list[int]:
    """Its children that are not exiting (an exiting process has no command line any more:
    the last piece of work's, ending)."""
    return [p for p in children(pid) if command_line(p)]


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has gone
        return b""


def listening(port: int) -> set[str]:
    """The sockets listening on `port` (by inode), as /proc/net/tcp lists them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                found.add(f"socket:[{fields[9]}]")
    return found


def sockets_of(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.add(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return found


def nice(pid: int) -> int:
    """The process's niceness (the 19th field of /proc/PID/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def gone(pid: int) -> bool:
    """The process has exited (or is a zombie no one has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"
