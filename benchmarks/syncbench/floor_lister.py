"""The floor of a Python + botocore sync tool on the benchmark's emulator.

Start the interpreter, import botocore, create an S3 client, list the bucket in the same
parallel key ranges `inv frontend.sync` uses, print the key count, exit. No invoke, no settings,
no hashing, no plan, no output: what a no-change sync cannot go below in this language and SDK.

The session and client are built exactly as the sync builds them (cruddur_ops.aws's botocore
session with the direct service loader and the parsed-model cache, sync.s3client's options), so
the floor moves with the tool's client set-up and measures only what the rest of the tool adds.

It exits the way `inv` does since cruddur_ops.patches.cli_process: without the interpreter's final
garbage collection (gc.freeze at exit), so the floor is not inflated by a cost we removed.

The listing is cruddur_ops.sync.remote.list_objects itself (a small, import-light module), so
the floor and the tool list exactly alike.

usage: floor_lister.py ENDPOINT BUCKET BOUND,BOUND,...
"""

from __future__ import annotations

import atexit
import gc
import sys
from dataclasses import replace
from typing import Any

from cruddur_ops import aws
from cruddur_ops.aws_settings import aws_target
from cruddur_ops.config import env_settings
from cruddur_ops.sync.remote import list_objects
from cruddur_ops.sync.s3client import sync_client


def main(endpoint: str, bucket: str, bounds: list[str]) -> int:
    atexit.register(gc.freeze)
    # as a task builds it (the model cache from the environment), pointed at the emulator
    target = replace(aws_target(env_settings(), region="us-east-1"), endpoint_url=endpoint)
    s3: Any = sync_client(target, aws.session(target), workers=16)
    print(len(list_objects(s3, bucket, bounds=bounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], [b for b in sys.argv[3].split(",") if b]))
