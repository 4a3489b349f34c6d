"""The S3 client the sync talks through: what each request carries is decided here, once.

- Every PutObject carries Content-MD5, a signed header that S3 verifies against the body. On top
  of it botocore would add a CRC32 (wrapping bodies in an aws-chunked stream on HTTPS) and, over
  plain HTTP (emulators), a SHA-256 of every body: client CPU per PUT for no added safety. So
  checksums are only sent where an operation requires one, and payloads are not signed (botocore
  already skips the SHA-256 on HTTPS when Content-MD5 is sent). Multipart parts get their CRC32
  in sync.apply.
- botocore sends ``Expect: 100-continue`` with every PutObject, so each one waits for "100
  Continue" before sending its bytes: one more round trip per object on S3, for small files
  most of the request. (On a local emulator the round trip is nearly free: 2.97 vs 2.88 ms
  median, p90 5.7 vs 3.4 ms, per sequential 20 KB PUT on moto.) Bodies below
  ``EXPECT_CONTINUE_MIN_BYTES`` go without it, as in the Go SDK rclone uses (2 MB); larger ones
  keep the handshake, which lets S3 refuse (412, 403) before the body is sent.
- Listing timestamps stay unparsed strings (see remote.skip_timestamp_parsing).
"""

from __future__ import annotations

from typing import Any

from .. import aws
from .remote import skip_timestamp_parsing

EXPECT_CONTINUE_MIN_BYTES = 2 * 1024 * 1024
# Connections beyond the upload workers: the listing's range threads and HEADs share the pool.
EXTRA_CONNECTIONS = 4


def drop_expect_for_small_bodies(model: Any, params: dict[str, Any], **_: Any) -> None:
    from botocore.utils import determine_content_length

    if model.name != "PutObject":
        return
    length = determine_content_length(params.get("body"))
    if length is not None and length < EXPECT_CONTINUE_MIN_BYTES:
        params["headers"].pop("Expect", None)


def sync_client(target: aws.AwsTarget, sess: Any, *, workers: int) -> Any:
    """An S3 client from ``sess`` (a botocore session, see cruddur_ops.aws) for ``workers``
    parallel requests. Timestamp parsing is turned off for every client ``sess`` builds next."""
    skip_timestamp_parsing(sess)
    s3 = aws.client("s3", target, sess=sess, max_pool_connections=workers + EXTRA_CONNECTIONS,
                    request_checksum_calculation="when_required", sign_s3_payload=False)
    # On "before-call.s3", last: botocore adds the header there, and handlers of the more
    # specific "before-call.s3.PutObject" would run before it.
    s3.meta.events.register_last("before-call.s3", drop_expect_for_small_bodies,
                                 unique_id="cruddur-ops-no-expect-small-put")
    return s3
