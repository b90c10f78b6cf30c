"""Benchmarks: data at municipality, region and country scale, and the harness that
runs the cycles on it stage by stage (see docs/benchmarks.md)."""
