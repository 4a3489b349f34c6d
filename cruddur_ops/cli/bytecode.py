"""Undo invoke's bytecode opt-out for everything the tasks import.

invoke sets ``sys.dont_write_bytecode = True`` while it parses its core flags unless
``--write-pyc`` is given (a Python 2-era guard against stray ``tasks.pyc`` files next to a
tasks file). Everything imported after that point is compiled from source on *every* run and
never cached: cruddur_ops itself, rich, jinja2 and the sync core. That was ~0.2 s of each
``inv frontend.sync`` (156 modules through ``compile()``), more than the whole bucket listing.
Python 3 keeps bytecode in ``__pycache__``, so caching is restored to what the interpreter was
started with: ``python -B`` / ``PYTHONDONTWRITEBYTECODE`` still turn it off.
"""

from __future__ import annotations

import sys


def restore_bytecode_cache() -> None:
    sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)
