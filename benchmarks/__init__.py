"""Benchmark suite (see benchmarks/README.md)."""
