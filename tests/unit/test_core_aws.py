"""Credential failures become one actionable line that names the variable to set."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from cruddur_ops import aws
from cruddur_ops.errors import AwsError, CredentialsError


def _client_error(code: str, message: str = "msg") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetParameter")


def _session(key: str, token: str | None = None) -> boto3.Session:
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key="secret-value",
                         aws_session_token=token, region_name="us-east-1")


def test_temporary_key_without_session_token_says_so():
    error = aws.translate(_client_error("InvalidClientTokenId"), action="read SSM parameter /x",
                          sess=_session("ASIAEXAMPLE123"))
    assert isinstance(error, CredentialsError)
    assert "temporary key (ASIA" in error.message
    assert "AWS_SESSION_TOKEN" in (error.hint or "")


def test_unknown_long_lived_key_points_at_key_and_profile():
    error = aws.translate(_client_error("InvalidAccessKeyId"), action="list s3://b",
                          sess=_session("AKIAEXAMPLE123"))
    assert isinstance(error, CredentialsError)
    assert "does not recognise the access key" in error.message
    assert "AWS_ACCESS_KEY_ID" in (error.hint or "")


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "RequestExpired"])
def test_expired_credentials(code):
    error = aws.translate(_client_error(code), action="list s3://b", sess=_session("ASIAX", "tok"))
    assert isinstance(error, CredentialsError)
    assert "expired" in error.message
    assert "AWS_SESSION_TOKEN" in (error.hint or "")


def test_signature_mismatch_names_the_secret_key():
    error = aws.translate(_client_error("SignatureDoesNotMatch"), action="x", sess=_session("AKIAX"))
    assert "AWS_SECRET_ACCESS_KEY" in (error.hint or "")


def test_access_denied_is_not_a_credentials_error():
    error = aws.translate(_client_error("AccessDenied", "not allowed"), action="put s3://b/k")
    assert isinstance(error, AwsError) and not isinstance(error, CredentialsError)
    assert error.message.startswith("put s3://b/k: access denied")


def test_unreachable_endpoint_mentions_endpoint_variable():
    error = aws.translate(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), action="x")
    assert "http://127.0.0.1:1" in error.message
    assert "AWS_ENDPOINT_URL" in (error.hint or "")


def test_credential_facts_never_expose_the_secret():
    facts = aws.credential_facts(_session("ASIAEXAMPLE123", "tok"))
    assert facts.found and facts.key_prefix == "ASIA" and facts.has_session_token
    assert "secret-value" not in repr(facts)


def test_session_carries_the_session_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATEMPORARY0001")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-value")
    creds = aws.session().get_credentials().get_frozen_credentials()
    assert creds.token == "session-token-value"


def test_unknown_profile_is_one_line():
    with pytest.raises(CredentialsError, match="profile 'nope' is not configured"):
        aws.session(aws.AwsTarget(profile="nope"))


def test_aws_errors_context_manager_translates():
    with pytest.raises(CredentialsError), aws.aws_errors("do thing"):
        raise _client_error("ExpiredToken")


def test_region_defaults_when_nothing_configured(monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert aws.session().get_config_variable("region") == aws.DEFAULT_REGION


def test_xml_error_body_on_a_json_service_still_yields_the_code():
    body = ('<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code>'
            "<Message>The security token included in the request is invalid.</Message></Error></Errors></ErrorResponse>")
    exc = ClientError({"Error": {"Code": "403", "Message": body}}, "GetParameter")
    assert aws.error_code(exc) == "InvalidClientTokenId"
    assert aws.error_message(exc) == "The security token included in the request is invalid."
    assert isinstance(aws.translate(exc, action="x"), CredentialsError)
