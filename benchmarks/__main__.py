"""Run every benchmark and print Markdown tables for the README and closing notes.

PostgreSQL runs too when BENCH_DATABASE_URL names a database it may empty.
"""

from __future__ import annotations

import os
import sys

from benchmarks import ack_latency, advisor_day, fanout_rate, standing, tick_fanout, web_tier

TEAMS = 5000
RUNS = 3  # medians of three: these machines are noisy


def main() -> int:
    postgres = os.environ.get("BENCH_DATABASE_URL")
    urls: list[str | None] = [None, postgres] if postgres else [None]
    if not postgres:
        print("BENCH_DATABASE_URL is not set: PostgreSQL rows are skipped.\n")
    for url in urls:
        print(tick_fanout.run(team_counts=(TEAMS,), database_url=url))
        print()
    for url in urls:
        print(ack_latency.run(300, (1, 10, 50), TEAMS, url))
        print()
    for url in urls:
        print(standing.run(TEAMS, url, RUNS), end="\n\n")
    for url in urls:
        print(web_tier.run(TEAMS, url, RUNS), end="\n\n")
    print(fanout_rate.run(urls), end="\n\n")
    print(advisor_day.run(), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
