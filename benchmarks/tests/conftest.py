"""Fixtures for the benchmark harness's own tests (`nox -s bench_tests`).

They reuse the product suite's emulator fixtures (a moto server subprocess over HTTP, fake
credentials in the environment) rather than repeat them, and put the harness (`syncbench`) and
the repository root on the import path.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
for folder in (REPO_ROOT / "benchmarks", REPO_ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from tests.conftest import (  # noqa: E402,F401  (fixtures, found by name)
    aws_env,
    boto_client,
    docker_compose_file,
    docker_setup,
    emulator,
    private_cache_home,
    unique,
)
