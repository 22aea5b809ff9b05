"""APScheduler runs the tick every few minutes, in-process; the ledger makes it exactly-once."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.operations.heartbeat import TICK_INTERVAL
from bot.platform.services import Services
from bot.status import standing
from schedules.tick import tick

log = logging.getLogger(__name__)

INTERVAL = TICK_INTERVAL  # /healthz judges the heartbeat by the same interval


def run_tick_safely(services: Services, client: WebClient) -> None:
    """One scheduled tick; a failure is logged and the next tick catches up."""
    try:
        tick(services.sessions, client, services.programs, services.clock())
    except Exception as exc:
        log.error("tick failed, the next one will catch up: %s", type(exc).__name__)


def refresh_standings_safely(services: Services) -> None:
    """Each team's kept standing brought up to date (a new day moves every one of them), so
    the day's first program-wide status counts nothing itself."""
    try:
        for program in services.programs:
            today = services.for_program(program.id).today()
            standing.refresh_all(services.sessions, program, today)
    except Exception as exc:
        log.error("keeping standings failed, the next run will catch up: %s", type(exc).__name__)


def start(services: Services, client: WebClient) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        run_tick_safely,
        IntervalTrigger(seconds=INTERVAL.total_seconds()),
        args=(services, client),
        id="tick",
        coalesce=True,  # after a pause, run once, not once per missed interval
        max_instances=1,  # a slow fan-out never overlaps the next tick
        misfire_grace_time=int(INTERVAL.total_seconds()),
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        refresh_standings_safely,
        IntervalTrigger(seconds=INTERVAL.total_seconds()),
        args=(services,),
        id="standings",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(INTERVAL.total_seconds()),
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


def run_forever(services: Services, client: WebClient) -> None:
    scheduler = start(services, client)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)
