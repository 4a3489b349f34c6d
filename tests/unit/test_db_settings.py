"""db/settings.py: the db tasks' settings, from the layered Settings (flag > environment > env file
> invoke config > default; empty is unset), with a one-line ConfigError for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops.config import Settings
from cruddur_ops.db.settings import (
    DEFAULT_LOCK_TIMEOUT_SECONDS,
    DEFAULT_LOCK_WAIT_SECONDS,
    DEFAULT_SCHEMA_DUMP,
    db_settings,
)
from cruddur_ops.errors import ConfigError

LAYERS = ("flags", "environ", "env_files", "invoke_config")


def layered(name: str, values: dict[str, str]) -> Settings:
    """``name`` set to ``values[layer]`` in each layer given."""
    return Settings(**{layer: {name: value} for layer, value in values.items()})


@pytest.mark.parametrize("winner", range(len(LAYERS)))
def test_each_layer_wins_over_the_ones_below_it(winner: int) -> None:
    # Layer `winner` says 1 s; every lower layer says something else.
    values = {layer: str(10 + i) for i, layer in enumerate(LAYERS) if i > winner}
    values[LAYERS[winner]] = "1"
    assert db_settings(layered("DB_LOCK_WAIT", values)).lock_wait == 1.0


def test_defaults_when_nothing_is_set() -> None:
    db = db_settings(Settings())
    assert (db.lock_wait, db.lock_timeout) == (DEFAULT_LOCK_WAIT_SECONDS, DEFAULT_LOCK_TIMEOUT_SECONDS)
    assert db.statement_timeout is None and db.dump_after_migrate is False
    assert db.schema_dump == DEFAULT_SCHEMA_DUMP and db.db_name == "cruddur" and db.maintenance_db == "postgres"


def test_an_empty_value_is_unset_in_every_layer() -> None:
    # An empty flag and an empty variable fall through to the invoke config, not to "" or 0.
    settings = Settings(flags={"DB_LOCK_TIMEOUT": "", "DB_SCHEMA_DUMP": ""},
                        environ={"DB_LOCK_TIMEOUT": "", "DB_SCHEMA_DUMP": "", "DB_STATEMENT_TIMEOUT": ""},
                        invoke_config={"DB_LOCK_TIMEOUT": "3", "DB_SCHEMA_DUMP": "out.sql"})
    db = db_settings(settings)
    assert db.lock_timeout == 3.0 and db.schema_dump == "out.sql" and db.statement_timeout is None


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DB_LOCK_WAIT", "soon", "DB_LOCK_WAIT='soon' is not a number of seconds"),
    ("DB_LOCK_TIMEOUT", "-1", "DB_LOCK_TIMEOUT must not be negative"),
    ("DB_STATEMENT_TIMEOUT", "soon", "DB_STATEMENT_TIMEOUT = 'soon' is not a duration"),
    ("DB_DUMP_AFTER_MIGRATE", "maybe", "DB_DUMP_AFTER_MIGRATE='maybe' is not a boolean"),
])
def test_a_bad_value_is_a_one_line_config_error(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        db_settings(Settings(environ={name: value}))
    assert caught.value.message == message and "\n" not in caught.value.message and caught.value.hint


def test_typed_values_from_invoke_config() -> None:
    db = db_settings(Settings(invoke_config={"DB_DUMP_AFTER_MIGRATE": True, "DB_LOCK_WAIT": 5,
                                             "DB_STATEMENT_TIMEOUT": "2min"}))
    assert db.dump_after_migrate is True and db.lock_wait == 5.0 and db.statement_timeout == "2min"


def test_db_dir_prefers_the_flag_then_setting_then_backend_then_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cruddur_ops.db.settings.repo_root", lambda: tmp_path)
    assert db_settings(Settings()).db_dir == tmp_path / "examples" / "backend-flask" / "db"
    (tmp_path / "backend-flask" / "db").mkdir(parents=True)
    assert db_settings(Settings()).db_dir == tmp_path / "backend-flask" / "db"
    assert db_settings(Settings(environ={"DB_DIR": "/srv/db"})).db_dir == Path("/srv/db")
    assert db_settings(Settings(environ={"DB_DIR": "/srv/db"}, flags={"DB_DIR": "/flag"})).db_dir == Path("/flag")


def test_migrations_follow_the_db_dir_unless_named() -> None:
    assert db_settings(Settings(flags={"DB_DIR": "/d"})).migrations_dir == Path("/d/migrations")
    # MIGRATIONS_DIR in the environment wins over --db-dir: it names the folder itself.
    named = Settings(environ={"MIGRATIONS_DIR": "/m"}, flags={"DB_DIR": "/d"})
    assert db_settings(named).migrations_dir == Path("/m")


def test_the_secret_id_variable_is_for_prod_and_the_flag_for_both() -> None:
    variable = db_settings(Settings(environ={"PROD_DB_SECRET_ID": "from-env"}))
    assert variable.secret_id("prod") == "from-env"
    assert variable.secret_id("dev") is None  # a variable must not break dev
    flag = db_settings(Settings(environ={"PROD_DB_SECRET_ID": "from-env"}, flags={"PROD_DB_SECRET_ID": "flag"}))
    assert (flag.secret_id("prod"), flag.secret_id("dev")) == ("flag", "flag")  # dev: resolve_target refuses it
