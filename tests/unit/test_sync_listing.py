"""Range-split bucket listing: the same objects as one paginated listing, whatever the bucket holds."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from cruddur_ops.errors import AwsError
from cruddur_ops.sync import remote
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
        call = dict(kwargs)
        with self._lock:
            self.calls.append(call)
        page = self._s3.list_objects_v2(**kwargs)
        call["next"] = page.get("NextContinuationToken")
        return page

    def page_sizes(self) -> dict[str | None, list[int]]:
        """MaxKeys of each range's requests in order, by the range's StartAfter (None: the first
        range), following each range's continuation tokens."""
        by_token = {call["next"]: call for call in self.calls if call.get("next")}
        sizes: dict[str | None, list[int]] = {}
        for call in self.calls:
            first = call
            while "ContinuationToken" in first:
                first = by_token[first["ContinuationToken"]]
            sizes.setdefault(first.get("StartAfter"), []).append(call["MaxKeys"])
        return sizes


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
    continued = [call for call in counting.calls if "ContinuationToken" in call]
    assert continued and all("StartAfter" not in call for call in continued)
    # the last range has no upper bound, so nothing it reads is wasted: full pages at once
    assert [call["MaxKeys"] for call in continued] == [remote.MAX_PAGE_KEYS]


def test_a_range_whose_page_ends_at_its_bound_sends_no_further_request(s3, monkeypatch) -> None:
    monkeypatch.setattr(remote, "FIRST_PAGE_KEYS", 5)
    keys = [f"k{i:02d}" for i in range(20)]
    put(s3, *keys)
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=range_bounds(keys, per_range=5), workers=4)
    assert set(listed) == set(keys)
    # four ranges of exactly five keys: each first page ends on its bound (or the bucket's end)
    assert len(counting.calls) == 4
    assert not any("ContinuationToken" in call for call in counting.calls)


def test_an_over_full_range_continues_with_small_pages_that_double(s3, monkeypatch) -> None:
    monkeypatch.setattr(remote, "FIRST_PAGE_KEYS", 3)
    monkeypatch.setattr(remote, "CONTINUATION_PAGE_KEYS", 2)
    monkeypatch.setattr(remote, "MAX_PAGE_KEYS", 8)
    # Below the bound "a/25" the build has 3 keys, the bucket 26 (say, an older build's files).
    put(s3, *[f"a/{i:02d}" for i in range(26)], *[f"b/{i:02d}" for i in range(30)])
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=["a/25"], workers=2)
    assert set(listed) == one_listing(s3)
    # bounded: 3 + 2 + 4 + 8 + 8 keys reach the 25th, the next page holds a/25 and the keys past
    # it (at most one page is read past the bound); the open range pages at the maximum
    assert counting.page_sizes() == {None: [3, 2, 4, 8, 8, 8], "a/25": [3, 8, 8, 8, 8]}


@pytest.mark.parametrize("seed", range(6))
def test_small_pages_list_any_bucket_exactly_once(s3, monkeypatch, seed: int) -> None:
    """Tiny pages make every path run: bounds missing remotely, extras anywhere, ranges that
    end on a page boundary, over-full ranges continuing past several pages."""
    monkeypatch.setattr(remote, "FIRST_PAGE_KEYS", 3)
    monkeypatch.setattr(remote, "CONTINUATION_PAGE_KEYS", 2)
    monkeypatch.setattr(remote, "MAX_PAGE_KEYS", 5)
    rng = random.Random(seed)
    universe = [f"{folder}/{i:02d}" for folder in ("a", "b", "c") for i in range(15)]
    local = rng.sample(universe, rng.randrange(5, 30))
    bucket = f"bkt-{seed}"
    s3.create_bucket(Bucket=bucket)
    remote_keys = rng.sample(universe, rng.randrange(1, 40))
    for key in remote_keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    listed = list_objects(s3, bucket, bounds=range_bounds(local, per_range=rng.randrange(1, 6)), workers=3)
    assert sorted(listed) == sorted(remote_keys)


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


def test_a_skipped_prefix_range_leaves_out_exactly_the_keys_under_that_prefix(s3) -> None:
    reserved = ["_ops/", "_ops/live.json", "_ops/objects/" + "f" * 32, "_ops/~"]
    site = ["-early", "_ops", "_ops.txt", "_ops0", "_opsz", "a.js", "index.html", "static/x.js"]
    put(s3, *reserved, *site)
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=["index.html"], skip=remote.prefix_range("_ops/"), workers=4)
    # the prefix itself closes the range below it; nothing else under the prefix is listed, and
    # every key outside it is, on either side of the skipped range
    assert set(listed) == set(site) | {"_ops/"}
    assert all(call.get("StartAfter") != "_ops/" for call in counting.calls)


def test_keys_under_a_skipped_prefix_past_its_range_are_still_listed(s3) -> None:
    # a key sorting above the skipped range's end is listed with the next range (the caller sets
    # everything under the prefix aside), so no key is ever lost
    put(s3, "_ops/~more", "_ops/\u00e9t\u00e9", "b")
    listed = list_objects(s3, "bkt", bounds=["a"], skip=remote.prefix_range("_ops/"))
    assert set(listed) == {"_ops/~more", "_ops/\u00e9t\u00e9", "b"}


def test_first_pages_ask_for_the_expected_keys_of_their_range(s3) -> None:
    expected = sorted([*(f"a/{i:02d}" for i in range(100)), *(f"b/{i:02d}" for i in range(10))])
    put(s3, *expected)
    counting = CountingClient(s3)
    listed = list_objects(counting, "bkt", bounds=["a/99", "b/04"], expected=expected, workers=3)
    assert set(listed) == set(expected)
    # 100 keys + 2 % + 2; 5 + 2; 5 + 2
    assert counting.page_sizes() == {None: [104], "a/99": [7], "b/04": [7]}
    assert remote.first_page_keys(expected, "z", None) == 2  # a range the build has nothing in
