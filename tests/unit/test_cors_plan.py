"""CORS origins: what counts as an exact origin, parameter names, and the pure rule plan."""

from __future__ import annotations

import pytest

from cruddur_ops.cors.origins import (
    DEFAULT_PARAMETERS,
    StoredOrigin,
    check_origins,
    parameter_names,
    why_not_exact,
)
from cruddur_ops.cors.plan import UPLOAD_RULE, plan_cors, plan_rules
from cruddur_ops.errors import ConfigError, RefusedError

DEV = StoredOrigin("/cruddur/dev/ORIGIN_URL_DEV", "https://3000-x.ws-eu110.gitpod.io")
PROD = StoredOrigin("/cruddur/prod/ORIGIN_URL_PROD", "https://cruddurclone.com")


@pytest.mark.parametrize("origin", ["https://cruddurclone.com", "https://www.cruddurclone.com:8443",
                                    "http://localhost:3000", "http://127.0.0.1:3000"])
def test_exact_origins(origin: str) -> None:
    assert why_not_exact(origin) is None


@pytest.mark.parametrize(("origin", "reason"), [
    ("*", "it is *"),
    ("https://*.gitpod.io", "wildcard"),
    ("*.gitpod.io", "wildcard"),
    ("http://cruddurclone.com", "plain http://"),
    ("http://localhost", "plain http://"),  # localhost needs its port
    ("https://cruddurclone.com/", "path ('/')"),
    ("https://cruddurclone.com/avatars", "path ('/avatars')"),
    ("https://cruddurclone.com?x=1", "path ('?x=1')"),
    ("cruddurclone.com", "not an https:// origin"),
    ("ftp://cruddurclone.com", "not an https:// origin"),
    ("https://u:p@cruddurclone.com", "credentials"),
    ("https://Cruddurclone.com", "capitals"),
    ("https://cruddurclone.com:99999", "port is not a number"),
])
def test_not_exact(origin: str, reason: str) -> None:
    assert reason in (why_not_exact(origin) or "")


def test_refusal_names_the_parameter_and_a_string_list_is_split() -> None:
    with pytest.raises(RefusedError, match=r"refusing origin '\*' from SSM parameter /p/ORIGIN_URL_DEV: it is \*"):
        check_origins("/p/ORIGIN_URL_DEV", "*")
    assert [o.origin for o in check_origins("/p/X", "https://a.example, https://b.example")] == [
        "https://a.example", "https://b.example"]
    with pytest.raises(RefusedError, match="it is empty"):
        check_origins("/p/X", "https://a.example,")


def test_parameter_names() -> None:
    assert parameter_names(None) == DEFAULT_PARAMETERS
    assert parameter_names("/a/B, /c/D,/a/B") == ("/a/B", "/c/D")
    with pytest.raises(ConfigError, match="'a/B'"):
        parameter_names("a/B")


def test_rules_keep_everything_but_origins_and_merge_duplicates() -> None:
    current = [
        {"ID": "dev", "AllowedMethods": ["PUT"], "AllowedOrigins": ["*.gitpod.io"], "AllowedHeaders": ["*"],
         "MaxAgeSeconds": 3000},
        {"ID": "prod", "AllowedMethods": ["PUT"], "AllowedOrigins": ["https://old.example"], "AllowedHeaders": ["*"],
         "MaxAgeSeconds": 3000},
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ExposeHeaders": ["ETag"]},
    ]
    rules = plan_rules(current, [DEV.origin, PROD.origin])
    assert rules == (
        {"ID": "dev", "AllowedMethods": ["PUT"], "AllowedOrigins": [DEV.origin, PROD.origin], "AllowedHeaders": ["*"],
         "MaxAgeSeconds": 3000},
        {"AllowedMethods": ["GET"], "AllowedOrigins": [DEV.origin, PROD.origin], "ExposeHeaders": ["ETag"]},
    )


def test_no_cors_gets_the_upload_rule() -> None:
    [rule] = plan_rules([], [PROD.origin])
    assert rule == {**UPLOAD_RULE, "AllowedOrigins": [PROD.origin]}


def test_plan_changes_and_variables() -> None:
    plan = plan_cors(bucket="b", stored=[DEV, PROD], current_rules=[], function="fn",
                     function_variables={"ORIGIN_URL_DEV": DEV.origin, "CONNECTION_URL": "postgresql://u:p@h/d"})
    assert plan.rules_change and plan.variables_change
    assert plan.variables_after == {"ORIGIN_URL_DEV": DEV.origin, "ORIGIN_URL_PROD": PROD.origin}
    assert plan.variables_before == {"ORIGIN_URL_DEV": DEV.origin, "ORIGIN_URL_PROD": None}
    assert "postgresql://" not in str(plan.to_dict())  # other variables never enter the plan
    settled = plan_cors(bucket="b", stored=[DEV, PROD], current_rules=list(plan.after))
    assert not settled.changes
    other_names = plan_cors(bucket="b", stored=[StoredOrigin("/x/FRONTEND", PROD.origin)], current_rules=[],
                            function="fn", function_variables={})
    assert other_names.variables_after == {} and not other_names.variables_change
