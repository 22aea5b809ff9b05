"""Benchmarks: `make bench`. Results are printed as Markdown tables, never asserted."""
