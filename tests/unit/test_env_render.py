"""`inv env.render`: ERB forms, missing variables, syntax errors, atomic 0600 writes, AWS lookups."""

from __future__ import annotations

import json
import os
import stat

import boto3
import pytest
from invoke import Context
from invoke.exceptions import Exit
from moto import mock_aws

from cruddur_ops.console import reset_consoles
from cruddur_ops.envfiles.render import TemplateProblem, holds_secrets, render_template
from cruddur_ops.tasks.env import render as render_task

ALL_FORMS = """<%# a comment that spans
    two lines %>
SINGLE=<%= ENV['SINGLE'] %>
DOUBLE=<%= ENV["DOUBLE"] %>
TIGHT=<%=ENV['TIGHT']%>
SPACED=<%=    ENV[ 'SPACED' ]    %>
FETCH_SET=<%= ENV.fetch('FETCH_SET', 'unused') %>
FETCH_DEFAULT=<%= ENV.fetch('NOT_SET_ANYWHERE', 'the-default') %>
NESTED=<%= ENV.fetch('NOT_SET_ANYWHERE', ENV.fetch('SINGLE', 'x')) %>
<% if ENV.get('OPTIONAL') %>
OPTIONAL=<%= ENV['OPTIONAL'] %>
<% endif %>
"""


def _render(source, environ, **kwargs):
    return render_template(source, template_path="erb_templates/t.env.erb", name="t",
                           environ=environ, **kwargs)


def test_every_supported_erb_form():
    environ = {"SINGLE": "s", "DOUBLE": "d", "TIGHT": "t", "SPACED": "sp", "FETCH_SET": "f"}
    assert _render(ALL_FORMS, environ).text == (
        "SINGLE=s\nDOUBLE=d\nTIGHT=t\nSPACED=sp\nFETCH_SET=f\n"
        "FETCH_DEFAULT=the-default\nNESTED=s\n"
    )
    assert "OPTIONAL=o\n" in _render(ALL_FORMS, {**environ, "OPTIONAL": "o"}).text


def test_missing_variable_names_template_line_and_variable():
    with pytest.raises(TemplateProblem) as info:
        _render("A=<%= ENV['A'] %>\nB=<%= ENV['MISSING_B'] %>\nC=<%= ENV.fetch('MISSING_C') %>\n",
                {"A": "a"})
    assert info.value.message == "erb_templates/t.env.erb:2: MISSING_B is not set (and 1 more: MISSING_C)"
    assert "--allow-missing" in (info.value.hint or "")


def test_allow_missing_restores_the_old_empty_string_behaviour():
    assert _render("B=<%= ENV['MISSING_B'] %>\n", {}, allow_missing=True).text == "B=\n"


def test_syntax_error_has_file_and_line():
    with pytest.raises(TemplateProblem, match=r"^erb_templates/t.env.erb:3: template syntax error"):
        _render("A=1\nB=2\nC=<%= ENV['C' %>\n", {"C": "c"})


def test_sandbox_refuses_code_execution():
    with pytest.raises(TemplateProblem, match="sandbox"):
        _render("X=<%= ENV.__class__.__init__.__globals__ %>\n", {})


def test_unknown_names_are_errors_not_empty_strings():
    with pytest.raises(TemplateProblem, match=r":2: 'bogus' is undefined"):
        _render("A=1\nX=<%= bogus %>\n", {})


def test_workspace_urls_follow_the_workspace():
    source = "U=<%= workspace_url(3000) %>\n"
    assert _render(source, {}).text == "U=http://localhost:3000\n"
    gitpod = {"GITPOD_WORKSPACE_ID": "ws-1", "GITPOD_WORKSPACE_CLUSTER_HOST": "ws-eu.gitpod.io"}
    assert _render(source, gitpod).text == "U=https://3000-ws-1.ws-eu.gitpod.io\n"
    assert _render(source, {"CODESPACE_NAME": "cs"}).text == "U=https://cs-3000.app.github.dev\n"


def test_secret_detection():
    assert holds_secrets("AWS_SECRET_ACCESS_KEY=abc\n", False)
    assert holds_secrets("CONNECTION_URL=postgresql://u:p@h/db\n", False)
    assert not holds_secrets("AWS_SECRET_ACCESS_KEY=\nSYNC_S3_BUCKET=b\n", False)
    assert holds_secrets("X=1\n", True)


# --- through the task -------------------------------------------------------------------------

@pytest.fixture
def dirs(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    out = tmp_path / "out"
    templates.mkdir()
    reset_consoles()
    for name in ("SYNC_S3_BUCKET", "AWS_SESSION_TOKEN", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return templates, out


def _run(templates, out, *names, **kwargs):
    render_task(Context(), name=",".join(names) or None, template_dir=str(templates),
                out_dir=str(out), **kwargs)


def test_task_renders_one_by_name_and_all_without_name(dirs, monkeypatch):
    templates, out = dirs
    (templates / "sync.env.erb").write_text("SYNC_S3_BUCKET=<%= ENV['SYNC_S3_BUCKET'] %>\n")
    (templates / "other.env.erb").write_text("O=1\n")
    monkeypatch.setenv("SYNC_S3_BUCKET", "bucket-1")
    _run(templates, out, "sync")
    assert sorted(p.name for p in out.iterdir()) == ["sync.env"]
    _run(templates, out)
    assert sorted(p.name for p in out.iterdir()) == ["other.env", "sync.env"]
    assert (out / "sync.env").read_text() == "SYNC_S3_BUCKET=bucket-1\n"


def test_failing_render_leaves_every_existing_file_untouched(dirs, monkeypatch, capsys):
    templates, out = dirs
    out.mkdir()
    (templates / "a.env.erb").write_text("A=<%= ENV['A_VALUE'] %>\n")
    (templates / "b.env.erb").write_text("B=<%= ENV['B_VALUE'] %>\n")
    (out / "a.env").write_text("A=old\n")
    (out / "b.env").write_text("B=old\n")
    monkeypatch.setenv("A_VALUE", "new")
    monkeypatch.delenv("B_VALUE", raising=False)
    with pytest.raises(Exit) as info:
        _run(templates, out)
    assert info.value.code == 1
    assert (out / "a.env").read_text() == "A=old\n"  # rendered fine, but nothing is written
    assert (out / "b.env").read_text() == "B=old\n"
    assert sorted(p.name for p in out.iterdir()) == ["a.env", "b.env"]  # no temp files left
    assert "b.env.erb:1: B_VALUE is not set" in capsys.readouterr().err


def test_files_with_secrets_are_0600_and_others_0644(dirs, monkeypatch):
    templates, out = dirs
    (templates / "secret.env.erb").write_text("AWS_SESSION_TOKEN=<%= ENV['AWS_SESSION_TOKEN'] %>\n")
    (templates / "plain.env.erb").write_text("SYNC_BUILD_DIR=build\n")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "tok")
    _run(templates, out)
    assert stat.S_IMODE(os.stat(out / "secret.env").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out / "plain.env").st_mode) == 0o644


def test_unknown_template_name_lists_the_available_ones(dirs, capsys):
    templates, out = dirs
    (templates / "sync.env.erb").write_text("A=1\n")
    with pytest.raises(Exit):
        _run(templates, out, "nope")
    err = capsys.readouterr().err
    assert "unknown template 'nope'" in err and "available: sync" in err


@mock_aws
def test_ssm_and_secret_helpers(dirs, capsys):
    templates, out = dirs
    boto3.client("ssm").put_parameter(Name="/cruddur/backend/ROLLBAR", Value="rb-token",
                                      Type="SecureString")
    boto3.client("secretsmanager").create_secret(
        Name="cruddur/db", SecretString=json.dumps({"username": "cruddur", "password": "pw-123"}))
    (templates / "backend.env.erb").write_text(
        "ROLLBAR=<%= ssm('/cruddur/backend/ROLLBAR') %>\n"
        "DB_USER=<%= secret('cruddur/db', 'username') %>\n"
        "DB_PASSWORD=<%= secret('cruddur/db', 'password') %>\n"
        "OPTIONAL=<%= ssm('/not/there', default='fallback') %>\n")
    _run(templates, out)
    assert (out / "backend.env").read_text() == (
        "ROLLBAR=rb-token\nDB_USER=cruddur\nDB_PASSWORD=pw-123\nOPTIONAL=fallback\n")
    assert stat.S_IMODE(os.stat(out / "backend.env").st_mode) == 0o600
    output = capsys.readouterr()
    assert "pw-123" not in output.out + output.err and "rb-token" not in output.out + output.err


@mock_aws
def test_missing_parameter_and_secret_field_are_clear_errors(dirs, capsys):
    templates, out = dirs
    boto3.client("secretsmanager").create_secret(Name="cruddur/db", SecretString='{"username": "u"}')
    (templates / "a.env.erb").write_text("X=<%= ssm('/missing/param') %>\n")
    with pytest.raises(Exit):
        _run(templates, out, "a")
    assert "SSM parameter /missing/param does not exist" in capsys.readouterr().err
    (templates / "b.env.erb").write_text("X=<%= secret('cruddur/db', 'password') %>\n")
    with pytest.raises(Exit):
        _run(templates, out, "b")
    err = capsys.readouterr().err
    assert "secret cruddur/db has no field 'password'" in err and "fields: username" in err


def test_shipped_templates_render_in_a_plain_workspace(monkeypatch, tmp_path):
    """The three Cruddur templates: no hard-coded ids, workspace URLs, session token carried."""
    reset_consoles()
    monkeypatch.setenv("AWS_COGNITO_USER_POOL_ID", "us-east-1_pool")
    monkeypatch.setenv("AWS_COGNITO_USER_POOL_CLIENT_ID", "client-id")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATEMPORARY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "the-token")
    monkeypatch.setenv("GITPOD_WORKSPACE_ID", "ws-1")
    monkeypatch.setenv("GITPOD_WORKSPACE_CLUSTER_HOST", "gitpod.io")
    render_task(Context(), name=None, out_dir=str(tmp_path))
    backend = (tmp_path / "backend-flask.env").read_text()
    frontend = (tmp_path / "frontend-react-js.env").read_text()
    sync = (tmp_path / "sync.env").read_text()
    assert "AWS_SESSION_TOKEN=the-token" in backend
    assert "FRONTEND_URL=https://3000-ws-1.gitpod.io" in backend
    assert "REACT_APP_BACKEND_URL=https://4567-ws-1.gitpod.io" in frontend
    assert "SYNC_BUILD_DIR=" in sync and "/workspace/" not in sync + backend + frontend
    assert stat.S_IMODE(os.stat(tmp_path / "backend-flask.env").st_mode) == 0o600
