"""The S3 client the sync talks through: what each request carries is decided here, once.

- Every PutObject carries Content-MD5, a signed header that S3 verifies against the body. On top
  of it botocore would add a CRC32 (wrapping bodies in an aws-chunked stream on HTTPS) and, over
  plain HTTP (emulators), a SHA-256 of every body: client CPU per PUT for no added safety. So
  checksums are only sent where an operation requires one, and payloads are not signed (botocore
  already skips the SHA-256 on HTTPS when Content-MD5 is sent). Multipart parts get their CRC32
  in sync.apply.
- Small PUTs go without ``Expect: 100-continue`` (patches/botocore_expect_continue.py).
- Listing timestamps stay unparsed strings (patches/botocore_listing_timestamps.py).
"""

from __future__ import annotations

from typing import Any

from .. import aws
from ..patches.botocore_expect_continue import send_small_puts_without_expect
from ..patches.botocore_listing_timestamps import skip_listing_timestamp_parsing

# Connections beyond the upload workers: the listing's range threads and HEADs share the pool.
EXTRA_CONNECTIONS = 4


def sync_client(target: aws.AwsTarget, sess: Any, *, workers: int) -> Any:
    """An S3 client from ``sess`` (a botocore session, see cruddur_ops.aws) for ``workers``
    parallel requests."""
    s3 = aws.client("s3", target, sess=sess, max_pool_connections=workers + EXTRA_CONNECTIONS,
                    request_checksum_calculation="when_required", sign_s3_payload=False)
    skip_listing_timestamp_parsing(s3)
    send_small_puts_without_expect(s3)
    return s3
