"""A small plan's preview is byte for byte what the line-per-file renderer printed (the golden
files were written by it, on three consoles: a pipe, a colour terminal, a narrow one), whether
printed as one renderable or part by part as the tasks print it."""

from __future__ import annotations

import pytest

from tests.unit.preview_cases import CONSOLES, cases, golden_path, render_in_parts, rendered


@pytest.mark.parametrize("case", sorted(cases()))
@pytest.mark.parametrize("console", sorted(CONSOLES))
def test_small_plan_preview_is_byte_identical(case: str, console: str) -> None:
    path = golden_path(case, console)
    assert rendered()[path].encode("utf-8") == path.read_bytes()
    plan, options = cases()[case]
    assert render_in_parts(CONSOLES[console], plan, options).encode("utf-8") == path.read_bytes()
