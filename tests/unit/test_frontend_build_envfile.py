"""REACT_APP_* values: parsed with python-dotenv from the env file, the real environment wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.frontend_build.envfile import build_environment, read_env_file

ENV_FILE = """\
# rendered by inv env.render
REACT_APP_BACKEND_URL=https://api.example.test
REACT_APP_FRONTEND_URL="https://app.example.test"
export REACT_APP_AWS_PROJECT_REGION=eu-west-1
REACT_APP_CLIENT_ID=
AWS_SECRET_ACCESS_KEY=not-for-the-bundle
"""


def write(tmp_path: Path, text: str = ENV_FILE) -> Path:
    path = tmp_path / "frontend-react-js.env"
    path.write_text(text)
    return path


def test_only_react_app_values_are_kept(tmp_path: Path) -> None:
    values = read_env_file(write(tmp_path), required=True)
    assert values.react == {
        "REACT_APP_BACKEND_URL": "https://api.example.test",
        "REACT_APP_FRONTEND_URL": "https://app.example.test",
        "REACT_APP_AWS_PROJECT_REGION": "eu-west-1",
        "REACT_APP_CLIENT_ID": "",
    }
    assert values.ignored == ("AWS_SECRET_ACCESS_KEY",)


def test_real_environment_wins_unless_empty(tmp_path: Path) -> None:
    values = read_env_file(write(tmp_path), required=True)
    environ = {"PATH": "/bin", "REACT_APP_BACKEND_URL": "http://override", "REACT_APP_FRONTEND_URL": "",
               "REACT_APP_DEBUG": ""}
    env = build_environment(environ, values, extra={"BUILD_PATH": "/out"})

    assert env.env["REACT_APP_BACKEND_URL"] == "http://override"
    # empty means unset, as in Settings: the file's value is used
    assert env.env["REACT_APP_FRONTEND_URL"] == "https://app.example.test"
    assert env.env["REACT_APP_DEBUG"] == ""  # set nowhere else: passed on as it is
    assert env.env["REACT_APP_AWS_PROJECT_REGION"] == "eu-west-1"
    assert env.env["BUILD_PATH"] == "/out" and env.env["PATH"] == "/bin"
    assert "AWS_SECRET_ACCESS_KEY" not in env.env
    assert env.from_environment == ("REACT_APP_BACKEND_URL", "REACT_APP_DEBUG")
    assert env.from_file == ("REACT_APP_AWS_PROJECT_REGION", "REACT_APP_CLIENT_ID", "REACT_APP_FRONTEND_URL")
    assert env.react_names == (
        "REACT_APP_AWS_PROJECT_REGION",
        "REACT_APP_BACKEND_URL",
        "REACT_APP_CLIENT_ID",
        "REACT_APP_DEBUG",
        "REACT_APP_FRONTEND_URL",
    )
    assert env.empty_names == ("REACT_APP_CLIENT_ID", "REACT_APP_DEBUG")


def test_input_environment_is_not_modified(tmp_path: Path) -> None:
    environ = {"PATH": "/bin"}
    build_environment(environ, read_env_file(write(tmp_path), required=True))
    assert environ == {"PATH": "/bin"}


def test_named_env_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        read_env_file(tmp_path / "missing.env", required=True)
    assert caught.value.hint and "inv env.render" in caught.value.hint


def test_default_env_file_may_be_absent(tmp_path: Path) -> None:
    values = read_env_file(tmp_path / "frontend-react-js.env", required=False)
    assert values.path is None and values.react == {}
