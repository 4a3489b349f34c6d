"""The typed settings of network, workspace, env files, cors and lambda.doctor: built from the
layered Settings (flag > environment > env file > invoke config > default; empty is unset), flags
only through Settings.flags, a bad value a one-line ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops.config import Settings
from cruddur_ops.cors.origins import DEFAULT_PARAMETERS
from cruddur_ops.cors.settings import cors_settings
from cruddur_ops.envfiles.settings import env_render_settings
from cruddur_ops.errors import ConfigError
from cruddur_ops.lambda_doctor.settings import doctor_settings
from cruddur_ops.network.addresses import parse_host_address
from cruddur_ops.network.publicip import DEFAULT_IPV4_URLS, DEFAULT_TIMEOUT, ResolvedIp
from cruddur_ops.network.service import DEFAULT_DESCRIPTION
from cruddur_ops.network.settings import rule_request, rule_settings, workspace_ip
from cruddur_ops.workspace.settings import workspace_settings

LAYERS = ("flags", "environ", "env_files", "invoke_config")


def layered(name: str, winner: int, win: object) -> Settings:
    """``name`` = ``win`` in layer ``winner``, another value in every layer below it."""
    values = {layer: {name: f"lower-{i}"} for i, layer in enumerate(LAYERS) if i > winner}
    values[LAYERS[winner]] = {name: win}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("winner", range(len(LAYERS)))
def test_each_layer_wins_over_the_ones_below_it_in_every_domain(winner: int) -> None:
    assert rule_settings(layered("DB_SG_RULE_DESCRIPTION", winner, "win")).description == "win"
    assert workspace_settings(layered("CRUDDUR_ENV", winner, "win")).environment == "win"
    assert env_render_settings(layered("OUT_DIR", winner, "/win")).out_dir == Path("/win")
    assert cors_settings(layered("CORS_BUCKET", winner, "win")).bucket == "win"
    assert doctor_settings(layered("DB_STACK_NAME", winner, "win")).db_stack == "win"


def test_empty_values_are_unset_and_fall_to_the_next_layer() -> None:
    settings = Settings(flags={"DB_PORT": "", "FRONTEND_PORT": "", "CORS_BUCKET": "", "TEMPLATE_DIR": ""},
                        environ={"DB_PORT": "", "FRONTEND_PORT": "", "CORS_BUCKET": "", "GITPOD_IP": ""},
                        invoke_config={"DB_PORT": 6543, "FRONTEND_PORT": 4000, "CORS_BUCKET": "cfg",
                                       "TEMPLATE_DIR": "/tpl"})
    assert rule_settings(settings).port == 6543 and not rule_settings(settings).ip_given
    assert workspace_settings(settings).frontend_port == 4000
    assert cors_settings(settings).bucket == "cfg"
    assert env_render_settings(settings).template_dir == Path("/tpl")


def test_defaults_when_nothing_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cruddur_ops.network.settings.repo_root", lambda: tmp_path)  # no config.toml
    rules = rule_settings(Settings())
    assert (rules.port, rules.description, rules.lookup_urls, rules.lookup_timeout) == (
        5432, DEFAULT_DESCRIPTION, (), DEFAULT_TIMEOUT)
    workspace = workspace_settings(Settings())
    assert (workspace.frontend_port, workspace.environment, workspace.parameter()) == (
        3000, "dev", "/cruddur/dev/ORIGIN_URL_DEV")
    assert doctor_settings(Settings()).db_stack == "CrdDb"
    assert cors_settings(Settings(environ={"CORS_BUCKET": "b"})).parameters == DEFAULT_PARAMETERS


def test_ip_flag_is_a_flag_only_and_wins_over_the_variables() -> None:
    seen: list[int] = []
    rules = rule_settings(Settings(flags={"IP": "8.8.8.8"}, environ={"GITPOD_IP": "8.8.4.4", "IP": "1.1.1.1"}))
    resolved = workspace_ip(rules, ipv6=False, on_lookup=seen.append)
    assert (str(resolved.host.address), resolved.source, seen) == ("8.8.8.8", "--ip", [])
    from_env = rule_settings(Settings(environ={"IP": "1.1.1.1", "GITPOD_IP": "8.8.4.4"}))
    assert from_env.explicit_ip is None and from_env.ip_given  # IP in the environment is no --ip


def test_the_lookup_uses_the_configured_services_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[tuple[str, ...], float]] = []

    def fake_lookup(urls: tuple[str, ...], *, timeout: float, allow_ipv6: bool) -> ResolvedIp:
        asked.append((tuple(urls), timeout))
        return ResolvedIp(parse_host_address("8.8.8.8"), "lookup")

    monkeypatch.setattr("cruddur_ops.network.settings.lookup_public_ip", fake_lookup)
    counted: list[int] = []
    configured = Settings(environ={"WORKSPACE_IP_LOOKUP_URLS": "http://a, http://b",
                                   "WORKSPACE_IP_LOOKUP_TIMEOUT": "2.5"})
    workspace_ip(rule_settings(configured), ipv6=False, on_lookup=counted.append)
    # An unreadable timeout falls back to the default, as it always has.
    workspace_ip(rule_settings(Settings(environ={"WORKSPACE_IP_LOOKUP_TIMEOUT": "soon"})), ipv6=False,
                 on_lookup=counted.append)
    assert asked == [(("http://a", "http://b"), 2.5), (DEFAULT_IPV4_URLS, DEFAULT_TIMEOUT)]
    assert counted == [2, len(DEFAULT_IPV4_URLS)]


def test_a_bad_port_fails_the_rule_request_not_the_settings() -> None:
    # workspace.init reports it as the security-group step's failure; the other steps still run.
    rules = rule_settings(Settings(environ={"DB_PORT": "abc", "DB_STACK_NAME": "S"}))
    with pytest.raises(ConfigError) as caught:
        rule_request(rules, parse_host_address("8.8.8.8"))
    assert "\n" not in caught.value.message and "abc" in caught.value.message


def test_rule_request_carries_the_settings() -> None:
    rules = rule_settings(Settings(environ={"DB_SG_ID": "sg-1", "DB_SG_RULE_ID": "sgr-1"},
                                   flags={"DB_PORT": 6543, "DB_STACK_NAME": "Stack"}))
    request = rule_request(rules, parse_host_address("8.8.8.8"))
    assert (request.port, request.group_id, request.rule_id, request.stack_name) == (6543, "sg-1", "sgr-1", "Stack")


@pytest.mark.parametrize(("settings", "message"), [
    (Settings(environ={"FRONTEND_PORT": "web"}), "frontend port 'web' is not a TCP port"),
    (Settings(flags={"FRONTEND_PORT": 70000}), "frontend port 70000 is not a TCP port"),
])
def test_a_bad_frontend_port_is_a_one_line_config_error(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        workspace_settings(settings)
    assert caught.value.message == message and caught.value.hint


def test_workspace_kind_comes_from_the_resolved_environment_not_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITPOD_WORKSPACE_ID", raising=False)
    monkeypatch.delenv("CODESPACE_NAME", raising=False)
    gitpod = {"GITPOD_WORKSPACE_ID": "ws-1", "GITPOD_WORKSPACE_CLUSTER_HOST": "gitpod.example"}
    assert workspace_settings(Settings(environ=gitpod)).workspace.kind == "gitpod"
    assert env_render_settings(Settings(environ=gitpod)).environ == gitpod


def test_a_bad_origin_parameter_fails_only_when_asked() -> None:
    workspace = workspace_settings(Settings(flags={"ORIGIN_PARAMETER": "no-slash", "CRUDDUR_ENV": "prod"}))
    with pytest.raises(ConfigError, match="'no-slash' is not a valid path"):
        workspace.parameter()
    named = workspace_settings(Settings(environ={"ORIGIN_PARAMETER": "/x/{env}/O"}, flags={"CRUDDUR_ENV": "prod"}))
    assert named.parameter() == "/x/prod/O"


def test_cors_needs_a_bucket_and_checks_the_parameters() -> None:
    with pytest.raises(ConfigError, match="no bucket to set CORS on"):
        cors_settings(Settings(flags={"CORS_FUNCTION": "fn"}))
    with pytest.raises(ConfigError, match="not an SSM parameter path"):
        cors_settings(Settings(environ={"CORS_BUCKET": "b", "CORS_ORIGIN_PARAMETERS": "/a,b c"}))
    cors = cors_settings(Settings(flags={"CORS_BUCKET": "b"}, environ={"CORS_FUNCTION": "fn",
                                                                       "CORS_ORIGIN_PARAMETERS": "/a,/b"}))
    assert (cors.function, cors.parameters) == ("fn", ("/a", "/b"))


def test_lambda_doctor_flags_are_flags_only() -> None:
    # SECRET_ID in the environment is the function's business, not the doctor's; DB_SG_ID is
    # configured (checked against the stack), --db-sg is taken as given.
    doctor = doctor_settings(Settings(environ={"SECRET_ID": "env", "DB_SG": "sg-env", "DB_SG_ID": "sg-cfg",
                                               "DB_STACK_NAME": "S"}, flags={"FUNCTION": "fn"}))
    assert (doctor.function, doctor.secret_id, doctor.db_sg, doctor.db_sg_configured) == ("fn", "", "", "sg-cfg")
    flagged = doctor_settings(Settings(flags={"SECRET_ID": "s", "DB_SG": "sg-flag", "DB_STACK_NAME": "S"}))
    assert (flagged.secret_id, flagged.db_sg) == ("s", "sg-flag")
