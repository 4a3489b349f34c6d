"""The data loader that checks one service's folder instead of scanning all of botocore's."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from cruddur_ops import aws
from cruddur_ops.patches.botocore_loader import DirectServiceLoader, install


def listdir_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = os.listdir

    def counting(path: str = ".") -> list[str]:
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", counting)
    return calls


def test_sessions_from_aws_create_clients_without_scanning_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = listdir_calls(monkeypatch)
    aws.client("s3", aws.AwsTarget(region="us-east-1"))
    assert len(calls) < 10, f"{len(calls)} listdir calls"

    calls.clear()
    plain = botocore.session.Session()
    plain.set_config_variable("region", "us-east-1")
    plain.create_client("s3")
    assert len(calls) > 300  # botocore's own loader: what this module avoids


def test_models_and_service_lists_are_botocore_s() -> None:
    plain = botocore.session.Session()
    direct = botocore.session.Session()
    install(direct)
    assert isinstance(direct.get_component("data_loader"), DirectServiceLoader)
    for service in ("s3", "cloudfront", "cloudformation", "ec2", "ssm", "secretsmanager", "sts", "iam", "acm"):
        assert direct.get_service_model(service).operation_names == plain.get_service_model(service).operation_names
    assert list(direct.get_available_services()) == plain.get_available_services()


def test_an_unknown_service_is_still_botocore_s_error_with_the_known_names() -> None:
    direct = botocore.session.Session()
    install(direct)
    with pytest.raises(UnknownServiceError, match=r"Valid service names are: .*\bs3\b"):
        direct.create_client("no-such-service", region_name="us-east-1")
    for odd in ("", "../s3", ".hidden"):
        assert odd not in direct.get_component("data_loader").list_available_services("service-2")


def test_aws_data_path_is_searched_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    direct = botocore.session.Session()
    install(direct)
    assert direct.get_component("data_loader").search_paths[0] == str(tmp_path)
