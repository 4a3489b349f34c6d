"""CRUDDUR_OPS_PATCHES reaches the real tasks: `off` runs them on botocore and invoke as shipped.

What a task leaves behind tells which way it ran: botocore's parsed models in the cache folder
(cruddur_ops/patches/botocore_model_cache.py, installed with the patched loader), and whether
`inv env.render` without a NAME gets through invoke's parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("setting", ["on", "off"])
def test_the_switch_reaches_the_tasks(setting, aws_env, boto_client, run_task, unique, tmp_path,
                                      private_cache_home, monkeypatch):
    monkeypatch.delenv("CRUDDUR_OPS_MODEL_CACHE", raising=False)
    boto_client("ssm").put_parameter(Name=f"/cruddur/{unique}/bucket", Value=f"bucket-{unique}",
                                     Type="String", Overwrite=True)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "app.env.erb").write_text(f"BUCKET=<%= ssm('/cruddur/{unique}/bucket') %>\n")
    out = tmp_path / "out"
    env = {"CRUDDUR_OPS_PATCHES": setting}

    named = run_task("env.render", "app", "--template-dir", str(templates), "--out-dir", str(out), env=env)
    assert named.returncode == 0, named.output
    assert (out / "app.env").read_text() == f"BUCKET=bucket-{unique}\n"
    model_cache: Path = private_cache_home / "cruddur-ops" / "botocore"
    assert model_cache.is_dir() is (setting == "on"), sorted(private_cache_home.rglob("*"))

    (out / "app.env").unlink()
    every = run_task("env.render", "--template-dir", str(templates), "--out-dir", str(out), env=env)
    if setting == "on":
        assert every.returncode == 0, every.output
        assert (out / "app.env").is_file()
    else:  # stock invoke: a positional argument cannot be left out
        assert every.returncode != 0
        assert "did not receive required positional arguments: 'name'" in every.output
        assert "Traceback" not in every.output and not (out / "app.env").exists()
