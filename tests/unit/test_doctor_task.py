"""The doctor task's wiring: settings → observe → checks → report, exit 0 only when healthy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from invoke import Context
from invoke.exceptions import Exit

from cruddur_ops.console import reset_consoles
from cruddur_ops.tasks import frontend_doctor
from tests.unit.test_doctor_checks import healthy_site


@pytest.fixture
def observed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {"snapshot": healthy_site()}

    def fake_observe_site(**kwargs: Any) -> Any:
        seen["kwargs"] = kwargs
        return seen["snapshot"]

    # The task imports observe_site when it runs (lazy start-up): patch it where it is looked up.
    monkeypatch.setattr("cruddur_ops.doctor.observe.observe_site", fake_observe_site)
    monkeypatch.setenv("CRUDDUR_OPS_ROOT", str(tmp_path))  # no sync.env of the checkout leaks in
    for name in ("SYNC_S3_BUCKET", "SYNC_CLOUDFRONT_DISTRIBUTION_ID", "SYNC_CLOUDFRONT_DISTRUBTION_ID"):
        monkeypatch.delenv(name, raising=False)
    from cruddur_ops.config import repo_root

    repo_root.cache_clear()
    reset_consoles()
    yield seen
    repo_root.cache_clear()
    reset_consoles()


def test_healthy_site_exits_zero(observed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    frontend_doctor.doctor(Context(), bucket="b", distribution_id="E1")
    out = capsys.readouterr().out
    assert "every link is ok" in out
    assert observed["kwargs"]["bucket"] == "b" and observed["kwargs"]["distribution_id"] == "E1"


def test_broken_link_exits_one_and_names_it(observed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    site = healthy_site()
    observed["snapshot"] = replace(site, bucket=replace(site.bucket, policy=None))
    with pytest.raises(Exit) as info:
        frontend_doctor.doctor(Context(), bucket="b", distribution_id="E1")
    assert info.value.code == 1
    captured = capsys.readouterr()
    assert "WRONG  bucket policy" in captured.out
    assert ("error: 2 broken link(s) between CloudFront and the bucket: bucket policy, release prefix"
            in captured.err)  # no policy at all: no grant, and no Deny on the release prefix


def test_old_misspelled_variable_is_accepted(observed: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_S3_BUCKET", "from-env")
    monkeypatch.setenv("SYNC_CLOUDFRONT_DISTRUBTION_ID", "EOLDSPELLING")
    frontend_doctor.doctor(Context())
    assert observed["kwargs"]["bucket"] == "from-env"
    assert observed["kwargs"]["distribution_id"] == "EOLDSPELLING"
