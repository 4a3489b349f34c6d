"""The floor of any Python + botocore sync tool on the benchmark's emulator.

Start the interpreter, import botocore, create an S3 client, list the bucket in the same
parallel key ranges `inv frontend.sync` uses, print the key count, exit. No invoke, no settings,
no hashing, no plan, no output: what a no-change sync cannot go below in this language and SDK.

It exits the way `inv` does since cruddur_ops.cli.process: without the interpreter's final
garbage collection (gc.freeze at exit), so the floor is not inflated by a cost we removed.

usage: floor_lister.py ENDPOINT BUCKET FIRST_PAGE_KEYS BOUND,BOUND,...
"""

from __future__ import annotations

import atexit
import gc
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.session
from botocore.config import Config


def main(endpoint: str, bucket: str, first_page: int, bounds: list[str]) -> int:
    atexit.register(gc.freeze)
    session = botocore.session.Session()
    session.set_config_variable("region", "us-east-1")
    s3: Any = session.create_client("s3", endpoint_url=endpoint, config=Config(max_pool_connections=20))

    def one_range(index: int) -> int:
        kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": first_page if bounds else 1000}
        if index:
            kwargs["StartAfter"] = bounds[index - 1]
        count = 0
        while True:
            page = s3.list_objects_v2(**kwargs)
            for item in page.get("Contents", ()):
                if index < len(bounds) and item["Key"] > bounds[index]:
                    return count
                count += 1
            if not page.get("IsTruncated"):
                return count
            kwargs.pop("StartAfter", None)
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
            kwargs["MaxKeys"] = 1000

    with ThreadPoolExecutor(8) as pool:
        total = sum(pool.map(one_range, range(len(bounds) + 1)))
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), [b for b in sys.argv[4].split(",") if b]))
