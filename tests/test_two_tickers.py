"""Two tick processes at once against one database: each notice goes out once.

DESIGN.md promises this for PostgreSQL (several instances behind one database); SQLite
runs it too, since one machine may still start a `clock` process beside `run`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from sqlalchemy import select

from storage import ledger
from storage.db import make_engine, make_session_factory
from storage.models import Delivery, DeliveryStatus
from tests.conftest import BOT_TOKEN
from tests.test_faults import FIRST_DAY_0800_CDT, mentor, protege, seed

TEAMS = 150


def test_two_tick_processes_send_each_notice_once(database_url, standin, program) -> None:
    fake, api_url = standin
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    seed(factory, program, TEAMS)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    argv = [sys.executable, "-m", "bot", "tick", "--now", FIRST_DAY_0800_CDT.isoformat()]
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent_lines = [
        line for out, _ in outputs for line in out.splitlines() if line.startswith("sent")
    ]
    per_process = [sum(line.startswith("sent") for line in out.splitlines()) for out, _ in outputs]
    everyone = [mentor(n) for n in range(TEAMS)] + [protege(n) for n in range(TEAMS)]
    posted = Counter(m["channel"] for m in fake.posted)
    assert {p: posted[p] for p in everyone} == {p: 1 for p in everyone}
    assert len(sent_lines) == len(everyone), per_process
    with factory() as session:
        rows = session.execute(
            select(Delivery.status).where(Delivery.kind != ledger.INBOUND)
        ).scalars()
        assert set(rows) == {DeliveryStatus.SENT}
    engine.dispose()
