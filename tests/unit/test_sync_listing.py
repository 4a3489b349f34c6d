"""Range-split bucket listing: the same objects as one paginated listing, whatever the bucket holds."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cruddur_ops.errors import AwsError
from cruddur_ops.sync.remote import list_objects, range_bounds


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    return moto_s3


class CountingClient:
    """Passes calls through to the real (moto) client and records the ListObjectsV2 arguments."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def list_objects_v2(self, **kwargs: Any) -> Any:
        with self._lock:
            self.calls.append(dict(kwargs))
        return self._s3.list_objects_v2(**kwargs)


def put(s3: Any, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket="bkt", Key=key, Body=key.encode())


def one_listing(s3: Any, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bkt", Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents", ()))
    return keys


def test_range_bounds_cut_sorted_unique_keys_and_leave_the_last_range_open() -> None:
    keys = [f"k{i:03d}" for i in range(10)]
    assert range_bounds(reversed(keys), per_range=3) == ["k002", "k005", "k008"]
    assert range_bounds(keys, per_range=5) == ["k004"]  # k009 would close an empty last range
    assert range_bounds(keys, per_range=10) == []
    assert range_bounds(["a", "a", "b"], per_range=1) == ["a"]


def test_range_bounds_follow_s3_byte_order_for_non_ascii_keys() -> None:
    keys = ["z.js", "é.js", "Z.js", "日本.js", "a b.js"]
    ordered = sorted(keys, key=lambda k: k.encode("utf-8"))
    assert range_bounds(keys, per_range=1) == ordered[:-1]


def test_split_listing_equals_one_listing_with_keys_the_build_does_not_have(s3) -> None:
    local = [f"static/js/{i:04d}.js" for i in range(60)]
    # Remote extras everywhere: before the first bound, between bounds, after the last, and a
    # bound's own key missing remotely.
    extras = ["000-first.txt", "static/js/0007.js.map", "static/js/0029x.js", "zzz/stale.css", "é/ü.html"]
    put(s3, *[k for k in local if k != "static/js/0019.js"], *extras)
    bounds = range_bounds(local, per_range=10)
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=bounds, workers=4)
    assert set(listed) == one_listing(s3)
    assert listed["static/js/0007.js.map"].size == len(b"static/js/0007.js.map")
    assert len({call.get("StartAfter") for call in counting.calls}) == len(bounds) + 1


def test_a_range_bigger_than_its_first_page_continues_with_tokens(s3) -> None:
    put(s3, *[f"a/{i:04d}" for i in range(1200)], "b/one")
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=["a/0003"], workers=2)
    assert len(listed) == 1201
    assert any("ContinuationToken" in call and "StartAfter" not in call for call in counting.calls)


def test_prefix_is_kept_in_every_range(s3) -> None:
    put(s3, "site/a.js", "site/b.js", "site/c.js", "other/a.js", "sitemap.xml")
    listed = list_objects(s3, "bkt", "site/", bounds=["site/a.js", "site/b.js"])
    assert set(listed) == {"site/a.js", "site/b.js", "site/c.js"}


def test_without_bounds_it_is_one_paginated_listing(s3) -> None:
    put(s3, "a", "b")
    counting = CountingClient(s3)
    assert set(list_objects(counting, "bkt")) == {"a", "b"}
    assert len(counting.calls) == 1 and "StartAfter" not in counting.calls[0]


def test_missing_bucket_fails_the_same_with_ranges(s3) -> None:
    with pytest.raises(AwsError, match="bucket 'nope' does not exist"):
        list_objects(s3, "nope", bounds=["m"])
