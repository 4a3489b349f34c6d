"""`inv cors.apply` end to end: origins exactly from SSM, never a wildcard, other settings kept."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.docker import docker_engine_available

DEV = "https://3000-cruddur-abc123.ws-eu110.gitpod.io"
PROD = "https://cruddurclone.com"
WILD_RULES = [
    {"AllowedHeaders": ["*"], "AllowedMethods": ["PUT"], "AllowedOrigins": ["*"],
     "ExposeHeaders": ["x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2"], "MaxAgeSeconds": 3000},
    {"AllowedHeaders": ["Content-Type"], "AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*.gitpod.io"],
     "MaxAgeSeconds": 600},
]


class Avatars:
    def __init__(self, boto_client: Callable[[str], Any], unique: str) -> None:
        self.s3, self.ssm, self.lam, self.iam = (boto_client(n) for n in ("s3", "ssm", "lambda", "iam"))
        self.bucket = f"cruddur-avatars-{unique}"
        self.prefix = f"/cruddur-test-{unique}"
        self.function = f"cruddur-upload-{unique}"
        self.s3.create_bucket(Bucket=self.bucket)

    @property
    def parameters(self) -> str:
        return f"{self.prefix}/dev/ORIGIN_URL_DEV,{self.prefix}/prod/ORIGIN_URL_PROD"

    def origins(self, dev: str = DEV, prod: str = PROD) -> None:
        self.ssm.put_parameter(Name=f"{self.prefix}/dev/ORIGIN_URL_DEV", Value=dev, Type="String", Overwrite=True)
        self.ssm.put_parameter(Name=f"{self.prefix}/prod/ORIGIN_URL_PROD", Value=prod, Type="String", Overwrite=True)

    def rules(self) -> list[dict[str, Any]]:
        return list(self.s3.get_bucket_cors(Bucket=self.bucket)["CORSRules"])

    def make_function(self) -> None:
        role = self.iam.create_role(RoleName=f"{self.function}-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
        self.lam.create_function(
            FunctionName=self.function, Runtime="python3.11", Role=role, Handler="handler.handler",
            Code={"ZipFile": buffer.getvalue()},
            Environment={"Variables": {"ORIGIN_URL_DEV": "*", "UPLOADS_BUCKET_NAME": self.bucket,
                                       "CONNECTION_URL": "postgresql://u:not-printed-2@db/cruddur"}})

    def variables(self) -> dict[str, str]:
        return dict(self.lam.get_function_configuration(FunctionName=self.function)["Environment"]["Variables"])

    def cleanup(self) -> None:
        for call in (lambda: self.s3.delete_bucket_cors(Bucket=self.bucket),
                     lambda: self.s3.delete_bucket(Bucket=self.bucket),
                     lambda: self.lam.delete_function(FunctionName=self.function),
                     lambda: self.ssm.delete_parameters(Names=self.parameters.split(","))):
            try:
                call()
            except Exception:  # best effort: the emulator is thrown away after the session
                pass


@pytest.fixture
def avatars(boto_client: Callable[[str], Any], unique: str) -> Iterator[Avatars]:
    helper = Avatars(boto_client, unique)
    try:
        yield helper
    finally:
        helper.cleanup()


def cors(run_task: Callable[..., Any], avatars: Avatars, *extra: str) -> Any:
    return run_task("cors.apply", "--bucket", avatars.bucket, *extra,
                    env={"CORS_ORIGIN_PARAMETERS": avatars.parameters, "CORS_BUCKET": "", "CORS_FUNCTION": ""})


def test_wildcards_become_exact_origins_and_second_run_is_no_change(
        run_task: Callable[..., Any], avatars: Avatars) -> None:
    avatars.origins()
    avatars.s3.put_bucket_cors(Bucket=avatars.bucket, CORSConfiguration={"CORSRules": WILD_RULES})
    first = cors(run_task, avatars, "--yes")
    assert first.returncode == 0, first.output
    assert '"AllowedOrigins": ["*"]' in first.stdout and f'"AllowedOrigins": ["{DEV}", "{PROD}"]' in first.stdout
    rules = avatars.rules()
    assert [r["AllowedOrigins"] for r in rules] == [[DEV, PROD], [DEV, PROD]]
    # everything but the origins is kept, rule by rule
    for before, after in zip(WILD_RULES, rules, strict=True):
        assert {k: v for k, v in after.items() if k not in {"AllowedOrigins", "ID"}} == \
            {k: v for k, v in before.items() if k != "AllowedOrigins"}
    second = cors(run_task, avatars, "--yes")
    assert second.returncode == 0
    assert "no change: the bucket's origins already match Parameter Store" in second.stdout
    assert avatars.rules() == rules


def test_bucket_without_cors_gets_the_upload_rule(run_task: Callable[..., Any], avatars: Avatars) -> None:
    avatars.origins(dev="http://localhost:3000")
    result = cors(run_task, avatars, "--yes")
    assert result.returncode == 0, result.output
    assert "(no CORS configuration)" in result.stdout
    [rule] = avatars.rules()
    assert rule["AllowedMethods"] == ["PUT"] and rule["MaxAgeSeconds"] == 3000
    assert rule["AllowedOrigins"] == ["http://localhost:3000", PROD]
    assert rule["ExposeHeaders"] == ["x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2"]


@pytest.mark.parametrize(("dev", "reason"), [
    ("*", "it is *, which allows every site"),
    ("https://*.gitpod.io", "it has a wildcard"),
    ("http://cruddurclone.com", "it is plain http://"),
    ("https://cruddurclone.com/", "it has a path ('/')"),
])
def test_bad_origin_in_ssm_is_refused_and_nothing_changes(
        run_task: Callable[..., Any], avatars: Avatars, dev: str, reason: str) -> None:
    avatars.origins(dev=dev)
    avatars.s3.put_bucket_cors(Bucket=avatars.bucket, CORSConfiguration={"CORSRules": WILD_RULES[:1]})
    before = avatars.rules()
    result = cors(run_task, avatars, "--yes")
    assert result.returncode == 1
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"from SSM parameter {avatars.prefix}/dev/ORIGIN_URL_DEV: {reason}" in error
    assert any(line.startswith("hint:") for line in result.stderr.splitlines())
    assert "Traceback" not in result.output
    assert avatars.rules() == before


def test_function_gets_only_the_two_origin_variables(run_task: Callable[..., Any], avatars: Avatars,
                                                      emulator: Any) -> None:
    if emulator.kind == "localstack" and not docker_engine_available():
        pytest.skip("LocalStack without a Docker engine cannot update a function's configuration (its runtime "
                    "never starts: 'cannot be updated if an old one is not running'); covered on moto")
    avatars.origins()
    avatars.make_function()
    dry = cors(run_task, avatars, "--function", avatars.function, "--dry-run")
    assert dry.returncode == 0
    assert f"Lambda {avatars.function} ORIGIN_URL_DEV: * → {DEV}" in dry.stdout
    assert f"ORIGIN_URL_PROD: (unset) → {PROD}" in dry.stdout
    assert "dry run: nothing was changed" in dry.stdout
    assert avatars.variables()["ORIGIN_URL_DEV"] == "*"
    result = cors(run_task, avatars, "--function", avatars.function, "--yes")
    assert result.returncode == 0, result.output
    assert avatars.variables() == {"ORIGIN_URL_DEV": DEV, "ORIGIN_URL_PROD": PROD, "UPLOADS_BUCKET_NAME": avatars.bucket,
                                   "CONNECTION_URL": "postgresql://u:not-printed-2@db/cruddur"}
    assert "not-printed-2" not in dry.output + result.output
    again = cors(run_task, avatars, "--function", avatars.function, "--yes")
    assert "no change" in again.stdout


def test_without_a_terminal_it_asks_for_yes(run_task: Callable[..., Any], avatars: Avatars) -> None:
    avatars.origins()
    result = cors(run_task, avatars)
    assert result.returncode == 1
    assert "--yes" in result.stderr
    with pytest.raises(Exception, match="NoSuchCORSConfiguration"):
        avatars.rules()


def test_missing_bucket_or_function_is_one_error_and_hint(run_task: Callable[..., Any], avatars: Avatars,
                                                          unique: str) -> None:
    avatars.origins()
    for args, message in ((("--bucket", f"no-such-bucket-{unique}"), f"error: bucket no-such-bucket-{unique} does not exist"),
                          (("--bucket", avatars.bucket, "--function", f"nope-{unique}"),
                           f"error: Lambda function nope-{unique} does not exist")):
        result = run_task("cors.apply", *args, "--yes", env={"CORS_ORIGIN_PARAMETERS": avatars.parameters})
        assert result.returncode == 1
        lines = result.stderr.splitlines()
        assert [line for line in lines if line.startswith("error:")] == [message]
        assert len([line for line in lines if line.startswith("hint:")]) == 1
        assert "Traceback" not in result.output
    with pytest.raises(Exception, match="NoSuchCORSConfiguration"):
        avatars.rules()
