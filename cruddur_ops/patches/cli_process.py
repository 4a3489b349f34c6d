"""Interpreter settings for a CLI run (``inv …`` or ``cruddur-ops …``), applied before the tasks load.

**Bytecode.** invoke sets ``sys.dont_write_bytecode = True`` while it parses its core flags
unless ``--write-pyc`` is given (a Python 2-era guard against stray ``tasks.pyc`` files next to a
tasks file). Everything imported after that point was compiled from source on *every* run and
never cached: cruddur_ops itself, rich, jinja2 and the sync core — ~0.2 s of each
``inv frontend.sync`` (156 modules through ``compile()``), more than the whole bucket listing.
Python 3 keeps bytecode in ``__pycache__``, so caching goes back to what the interpreter was
started with: ``python -B`` / ``PYTHONDONTWRITEBYTECODE`` still turn it off.

**Collections.** A CLI run allocates most of its objects once and keeps them (modules,
botocore's models, the plan), and reference counting frees nearly everything else. With the
default thresholds (a young collection every 700 allocations) a no-change ``inv frontend.sync``
ran ~190 young and ~17 middle collections that re-walked those objects: 45-50 ms of each run.
A young generation of 50,000 objects means ~2 collections, 15-34 ms (measured with
``gc.callbacks``). Only cyclic garbage waits longer, at most that many objects.

**Exit.** When the interpreter shuts down, its garbage collector walks every live object
(botocore's loaded service models alone are hundreds of thousands) although the process is
about to end: ~0.06 s of each run, measured. ``gc.freeze()`` from an atexit handler moves them
out of the collector's reach first. atexit handlers, stream flushes and ordinary deallocation
still happen; only finalizers of objects caught in reference cycles may not run, which Python
never guarantees at exit anyway.

Upstream: invoke's ``--write-pyc`` default (pyinvoke/invoke#68); ``gc.freeze`` (CPython
bpo-31558). With the patches off, invoke's and the interpreter's settings stay as they are.
Tests: tests/unit/test_startup_imports.py (bytecode cached unless ``-B``, the young threshold in
both entry points); test_patches_switch.py (off).
"""

from __future__ import annotations

import atexit
import gc
import sys

from . import enabled


def restore_bytecode_cache() -> None:
    sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)


def skip_exit_collection() -> None:
    atexit.register(gc.freeze)


YOUNG_GENERATION_THRESHOLD = 50_000


def collect_less_often() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def prepare_cli_process() -> None:
    if not enabled():
        return
    restore_bytecode_cache()
    collect_less_often()
    skip_exit_collection()
