"""The sync's S3 client leaves ListObjectsV2 timestamps unparsed, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cruddur_ops import aws
from cruddur_ops.patches.botocore_listing_timestamps import skip_listing_timestamp_parsing
from cruddur_ops.sync.s3client import sync_client

TARGET = aws.AwsTarget(region="us-east-1")


@pytest.fixture
def sess() -> Iterator[Any]:
    with mock_aws():
        yield aws.session(TARGET)


def test_the_listing_keeps_its_timestamps_as_strings_and_head_object_does_not(sess: Any) -> None:
    s3 = sync_client(TARGET, sess, workers=2)
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="a.js", Body=b"x")
    [entry] = s3.list_objects_v2(Bucket="bkt")["Contents"]
    assert isinstance(entry["LastModified"], str) and entry["LastModified"].startswith("20")
    assert isinstance(s3.head_object(Bucket="bkt", Key="a.js")["LastModified"], datetime)


def test_clients_built_from_the_same_session_afterwards_parse_timestamps(sess: Any) -> None:
    s3 = sync_client(TARGET, sess, workers=2)  # first, as in frontend.sync
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="a.js", Body=b"x")

    cfn = aws.client("cloudformation", TARGET, sess=sess)
    cfn.create_stack(StackName="site", TemplateBody=json.dumps(
        {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}))
    [stack] = cfn.describe_stacks(StackName="site")["Stacks"]
    assert isinstance(stack["CreationTime"], datetime)

    other_s3 = aws.client("s3", TARGET, sess=sess)
    [entry] = other_s3.list_objects_v2(Bucket="bkt")["Contents"]
    assert isinstance(entry["LastModified"], datetime)


def test_errors_are_still_parsed_into_client_errors(sess: Any) -> None:
    s3 = sync_client(TARGET, sess, workers=2)
    with pytest.raises(ClientError) as raised:
        s3.list_objects_v2(Bucket="no-such-bucket")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


def test_clients_it_does_not_know_are_left_alone(sess: Any) -> None:
    assert skip_listing_timestamp_parsing(object()) is False
    assert skip_listing_timestamp_parsing(aws.client("s3", TARGET, sess=sess)) is True
