"""The floor of any Python + botocore sync tool on the benchmark's emulator.

Start the interpreter, import botocore, create an S3 client, list the bucket in the same
parallel key ranges `inv frontend.sync` uses, print the key count, exit. No invoke, no settings,
no hashing, no plan, no output: what a no-change sync cannot go below in this language and SDK.

It exits the way `inv` does since cruddur_ops.cli.process: without the interpreter's final
garbage collection (gc.freeze at exit), so the floor is not inflated by a cost we removed.

The listing is cruddur_ops.sync.remote.list_objects itself (a small, import-light module), so
the floor and the tool list exactly alike.

usage: floor_lister.py ENDPOINT BUCKET BOUND,BOUND,...
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Any

import botocore.session
from botocore.config import Config

from cruddur_ops.sync.remote import list_objects


def main(endpoint: str, bucket: str, bounds: list[str]) -> int:
    atexit.register(gc.freeze)
    session = botocore.session.Session()
    session.set_config_variable("region", "us-east-1")
    s3: Any = session.create_client("s3", endpoint_url=endpoint, config=Config(max_pool_connections=20))
    print(len(list_objects(s3, bucket, bounds=bounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], [b for b in sys.argv[3].split(",") if b]))
