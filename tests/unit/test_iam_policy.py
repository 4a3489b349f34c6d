"""The offline IAM evaluator: matching, Deny over Allow, principals, and the statement named."""

from __future__ import annotations

import pytest

from cruddur_ops.iam.policy import (
    PolicySource,
    evaluate,
    principal_matches,
    resources_for,
    wildcard_match,
)

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cruddur/db-AbCdEf"
ROLE = "arn:aws:iam::123456789012:role/cruddur-post-confirmation"


def policy(*statements: dict, label: str = "inline policy p") -> PolicySource:
    return PolicySource(label, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(resource: object, action: object = "secretsmanager:GetSecretValue", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("a*c", "abbbc", True),
    ("a?c", "abc", True),
    ("a?c", "abbc", False),
    ("a[b]c", "abc", False),  # IAM has no character classes: "[" is literal
    ("a[b]c", "a[b]c", True),
    ("x.y", "xzy", False),  # "." is literal too
])
def test_wildcards_are_only_star_and_question_mark(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


@pytest.mark.parametrize(("resource", "allowed"), [
    (SECRET, True),  # the exact ARN, random suffix included
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:cruddur/db-??????", True),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:cruddur/*", True),
    ("*", True),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:cruddur/db", False),  # suffix missing: no match
    ("arn:aws:secretsmanager:us-west-2:123456789012:secret:cruddur/db-AbCdEf", False),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:Cruddur/db-AbCdEf", False),  # resources are case-sensitive
])
def test_resource_forms(resource: str, allowed: bool) -> None:
    assert evaluate([policy(allow(resource))], "secretsmanager:GetSecretValue", SECRET).allowed is allowed


def test_actions_are_case_insensitive_and_wildcarded() -> None:
    for action in ("SecretsManager:getsecretvalue", "secretsmanager:Get*", "secretsmanager:*", "*"):
        assert evaluate([policy(allow(SECRET, action))], "secretsmanager:GetSecretValue", SECRET).allowed, action
    assert not evaluate([policy(allow(SECRET, "secretsmanager:DescribeSecret"))],
                        "secretsmanager:GetSecretValue", SECRET).allowed


def test_the_granting_statement_is_named_by_sid_or_position() -> None:
    decision = evaluate([policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, allow(SECRET, Sid="Db"),
                                allow([SECRET, "x"]))], "secretsmanager:GetSecretValue", SECRET)
    assert [str(a) for a in decision.allows] == ["inline policy p, statement Db", "inline policy p, statement #3"]


def test_an_explicit_deny_beats_every_allow() -> None:
    sources = [policy(allow(SECRET)), policy({"Sid": "NoSecrets", "Effect": "Deny", "Action": "secretsmanager:*",
                                             "Resource": "*"}, label="attached policy guard")]
    decision = evaluate(sources, "secretsmanager:GetSecretValue", SECRET)
    assert not decision.allowed
    assert [str(d) for d in decision.explicit_deny] == ["attached policy guard, statement NoSecrets"]


def test_a_conditional_deny_is_reported_but_not_counted_as_certain() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
    decision = evaluate([policy(allow(SECRET), deny)], "secretsmanager:GetSecretValue", SECRET)
    assert decision.allowed
    [conditional] = decision.conditional_deny
    assert str(conditional) == "inline policy p, statement #2 (if StringNotEquals aws:SourceVpce vpce-1)"


def test_not_action_and_not_resource() -> None:
    everything_but_secrets = {"Effect": "Allow", "NotAction": "secretsmanager:*", "Resource": "*"}
    assert not evaluate([policy(everything_but_secrets)], "secretsmanager:GetSecretValue", SECRET).allowed
    deny_other = {"Effect": "Deny", "Action": "*", "NotResource": SECRET}
    decision = evaluate([policy(allow("*"), deny_other)], "secretsmanager:GetSecretValue", SECRET)
    assert decision.allowed and not decision.denies


@pytest.mark.parametrize(("principal", "matches"), [
    ("*", True),
    ({"AWS": "*"}, True),
    ({"AWS": ROLE}, True),
    ({"AWS": "123456789012"}, True),
    ({"AWS": "arn:aws:iam::123456789012:root"}, True),
    ({"AWS": "arn:aws:iam::999999999999:root"}, False),
    ({"AWS": "arn:aws:iam::123456789012:role/other"}, False),
    ({"Service": "lambda.amazonaws.com"}, False),
])
def test_resource_policy_principals(principal: object, matches: bool) -> None:
    assert principal_matches(principal, ROLE) is matches


def test_resource_policy_only_counts_statements_naming_the_caller() -> None:
    source = PolicySource("resource policy", {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/other"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "*", "Resource": "*"},
    ]})
    decision = evaluate([source], "secretsmanager:GetSecretValue", SECRET, principal_arn=ROLE)
    assert decision.allows == () and decision.denies == ()
    other = evaluate([source], "secretsmanager:GetSecretValue", SECRET,
                     principal_arn="arn:aws:iam::123456789012:role/other")
    assert other.allows and other.explicit_deny  # NotPrincipal: everyone but ROLE is denied


def test_resources_for_lists_what_is_granted_instead() -> None:
    found = resources_for([policy(allow(["arn:a", "arn:b"], Sid="S"), allow("arn:c", "s3:GetObject"))],
                          "secretsmanager:GetSecretValue")
    assert [(str(ref), pattern) for ref, pattern in found] == [
        ("inline policy p, statement S", "arn:a"), ("inline policy p, statement S", "arn:b")]
