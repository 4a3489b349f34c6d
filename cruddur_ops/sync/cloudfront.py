"""Send invalidations and wait for them, through an injected CloudFront client.

TooManyInvalidationsInProgress (a 400 botocore does not retry) is retried here with capped
exponential backoff. Waiting polls ``get_invalidation`` and compares the status case-insensitively
(moto reports ``COMPLETED``; botocore's waiter expects ``Completed`` and would hang).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ..aws import aws_errors, error_code
from ..errors import AwsError
from .invalidation import batches

RETRY_CODES = frozenset({"TooManyInvalidationsInProgress", "Throttling", "ThrottlingException"})


def create_invalidations(
    cloudfront: Any,
    distribution_id: str,
    paths: Sequence[str],
    *,
    caller_reference: str,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """One CreateInvalidation per batch; returns the invalidation ids."""
    from botocore.exceptions import ClientError

    ids: list[str] = []
    for index, batch in enumerate(batches(paths)):
        reference = caller_reference if index == 0 else f"{caller_reference}-{index + 1}"
        delay = 2.0
        for attempt in range(1, attempts + 1):
            try:
                with aws_errors(f"create invalidation on {distribution_id}"):
                    response = cloudfront.create_invalidation(
                        DistributionId=distribution_id,
                        InvalidationBatch={
                            "Paths": {"Quantity": len(batch), "Items": list(batch)},
                            "CallerReference": reference,
                        },
                    )
                ids.append(response["Invalidation"]["Id"])
                break
            except AwsError as exc:
                cause = exc.__cause__
                code = error_code(cause) if isinstance(cause, ClientError) else ""
                if code == "NoSuchDistribution":
                    raise AwsError(
                        f"CloudFront distribution {distribution_id!r} does not exist",
                        hint="check SYNC_CLOUDFRONT_DISTRIBUTION_ID (or pass --no-invalidate)",
                    ) from cause
                if code not in RETRY_CODES or attempt == attempts:
                    raise
                sleep(delay)
                delay = min(delay * 2, 60.0)
    return ids


def wait_for(
    cloudfront: Any,
    distribution_id: str,
    invalidation_ids: Sequence[str],
    *,
    timeout: float = 900.0,
    interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_poll: Callable[[str, str], None] | None = None,
) -> None:
    deadline = clock() + timeout
    remaining = list(invalidation_ids)
    while remaining:
        for invalidation_id in list(remaining):
            with aws_errors(f"get invalidation {invalidation_id}"):
                status = cloudfront.get_invalidation(
                    DistributionId=distribution_id, Id=invalidation_id
                )["Invalidation"]["Status"]
            if on_poll:
                on_poll(invalidation_id, status)
            if str(status).lower() == "completed":
                remaining.remove(invalidation_id)
        if not remaining:
            return
        if clock() >= deadline:
            raise AwsError(
                f"invalidation {', '.join(remaining)} still in progress after {int(timeout)} s",
                hint="it continues in the background: check `aws cloudfront get-invalidation`",
            )
        sleep(interval)
