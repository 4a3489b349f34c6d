"""Helpers of benchmarks/sync_bench.py: synthetic build, counting proxy, tool adapters, report."""
