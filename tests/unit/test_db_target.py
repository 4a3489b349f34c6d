"""Targets: dev/prod resolution, RDS secrets, maintenance URLs, psql without the password in argv."""

from __future__ import annotations

import json

import pytest
from psycopg.conninfo import conninfo_to_dict

from cruddur_ops.db.psql import psql_invocation
from cruddur_ops.db.target import DbTarget, conninfo_from_secret, resolve_target
from cruddur_ops.errors import ConfigError

PASSWORD = "Sup3r-s3cret!pw"
URL = f"postgresql://cruddurroot:{PASSWORD}@db.example.com:5432/cruddur"


def no_secret(_: str) -> str:
    raise AssertionError("no secret lookup expected")


def test_dev_uses_connection_url_and_ignores_prod_settings() -> None:
    target = resolve_target("dev", dev_url=URL, prod_url="postgresql://x@y/z", secret_id=None,
                            fetch_secret=no_secret)
    assert (target.env, target.source, target.dbname) == ("dev", "CONNECTION_URL", "cruddur")


def test_dev_without_url_and_secret_for_dev_are_errors() -> None:
    with pytest.raises(ConfigError, match="CONNECTION_URL is not set"):
        resolve_target("dev", dev_url=None, prod_url=None, secret_id=None, fetch_secret=no_secret)
    with pytest.raises(ConfigError, match="prod only"):
        resolve_target("dev", dev_url=URL, prod_url=None, secret_id="s", fetch_secret=no_secret)
    with pytest.raises(ConfigError, match="unknown environment"):
        resolve_target("staging", dev_url=URL, prod_url=None, secret_id=None, fetch_secret=no_secret)


def test_prod_prefers_the_secret_over_prod_connection_url() -> None:
    secret = json.dumps({"username": "root", "password": PASSWORD, "host": "rds.example",
                         "port": 5432, "dbname": "cruddur", "engine": "postgres"})
    target = resolve_target("prod", dev_url=None, prod_url=URL, secret_id="cruddur/db",
                            fetch_secret=lambda sid: secret)
    params = conninfo_to_dict(target.conninfo)
    assert (params["host"], params["user"], params["password"], params["dbname"]) == (
        "rds.example", "root", PASSWORD, "cruddur")
    assert target.source == "secret cruddur/db"
    assert PASSWORD not in target.describe() and PASSWORD not in repr(target)


def test_prod_url_and_nothing_configured() -> None:
    assert resolve_target("prod", dev_url=None, prod_url=URL, secret_id=None,
                          fetch_secret=no_secret).source == "PROD_CONNECTION_URL"
    with pytest.raises(ConfigError, match="no production database"):
        resolve_target("prod", dev_url=URL, prod_url=None, secret_id=None, fetch_secret=no_secret)


def test_secret_defaults_and_url_secrets() -> None:
    info = conninfo_from_secret(json.dumps({"username": "u", "password": "p", "host": "h"}),
                                secret_id="s", default_dbname="cruddur")
    assert conninfo_to_dict(info) | {} == {"user": "u", "password": "p", "host": "h", "port": "5432",
                                          "dbname": "cruddur"}
    assert conninfo_from_secret(URL, secret_id="s", default_dbname="x") == URL


@pytest.mark.parametrize("text", ["not json " + PASSWORD, json.dumps({"password": PASSWORD}), "[1]"])
def test_bad_secrets_never_echo_their_content(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        conninfo_from_secret(text, secret_id="cruddur/db", default_dbname="cruddur")
    assert PASSWORD not in info.value.message and PASSWORD not in (info.value.hint or "")
    assert "cruddur/db" in info.value.message


def test_maintenance_replaces_only_the_database_name() -> None:
    target = DbTarget("dev", URL + "?sslmode=require", "CONNECTION_URL")
    params = conninfo_to_dict(target.maintenance().conninfo)
    assert params == {"user": "cruddurroot", "password": PASSWORD, "host": "db.example.com",
                      "port": "5432", "dbname": "postgres", "sslmode": "require"}
    # A database whose name contains "cruddur" twice survives (the old `sed` mangled it).
    other = DbTarget("dev", "postgresql://u@h/cruddur_cruddur").maintenance("template1")
    assert conninfo_to_dict(other.conninfo)["dbname"] == "template1"


def test_describe_and_bad_urls() -> None:
    assert DbTarget("dev", URL).describe() == "cruddurroot@db.example.com:5432/cruddur"
    with pytest.raises(ConfigError, match="names no database"):
        _ = DbTarget("dev", "postgresql://u@h", "CONNECTION_URL").dbname
    with pytest.raises(ConfigError, match="not a valid") as info:
        DbTarget("dev", f"postgresql://u:{PASSWORD}@h:notaport/x?bogus_option=1", "X").params()
    assert PASSWORD not in str(info.value)


def test_psql_gets_the_password_only_through_the_environment() -> None:
    invocation = psql_invocation(DbTarget("dev", URL), base_env={"PATH": "/usr/bin", "PGPASSWORD": "stale"},
                                 extra_args=["-c", "select 1"], which=lambda _: "/usr/bin/psql")
    assert all(PASSWORD not in arg for arg in invocation.argv)
    assert invocation.env["PGPASSWORD"] == PASSWORD
    assert invocation.argv[0] == "psql" and invocation.argv[-2:] == ["-c", "select 1"]
    assert conninfo_to_dict(invocation.argv[1])["host"] == "db.example.com"
    assert PASSWORD not in repr(invocation)


def test_psql_missing_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="psql is not installed") as info:
        psql_invocation(DbTarget("dev", URL), base_env={}, which=lambda _: None)
    assert "postgresql-client" in (info.value.hint or "")
