"""Run every benchmark and print Markdown tables for the README and closing notes."""

from __future__ import annotations

import sys

from benchmarks import ack_latency, tick_fanout


def main() -> int:
    print(tick_fanout.run(team_counts=(1000, 5000)))
    print()
    print(ack_latency.run(requests=300, concurrencies=(1, 10, 50)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
