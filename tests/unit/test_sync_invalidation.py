"""Invalidation path planning (pure) and the CloudFront executor (fake client)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cruddur_ops.errors import AwsError
from cruddur_ops.sync.cloudfront import create_invalidations, wait_for
from cruddur_ops.sync.invalidation import (
    batches,
    collapse,
    encode,
    plan_invalidation,
    raw_paths,
)
from cruddur_ops.sync.model import PlanItem

MD5 = "0" * 32


def change(path: str, action: str = "update", file: str | None = None) -> PlanItem:
    return PlanItem(path=path, action=action, reason="", md5=None if action == "delete" else MD5,  # type: ignore[arg-type]
                    file=file)


def test_paths_for_created_updated_deleted_and_index_directories() -> None:
    items = [change("index.html"), change("about/index.html", "create"), change("old.js", "delete"),
             PlanItem(path="same.js", action="no_change", reason="", md5=MD5)]
    assert raw_paths(items) == ["/", "/about/", "/about/index.html", "/index.html", "/old.js"]


def test_strip_html_index_keys_also_invalidate_their_directory() -> None:
    assert raw_paths([change("blog/index", file="blog/index.html")]) == ["/blog/", "/blog/index"]


def test_encoding_of_spaces_and_unicode() -> None:
    assert encode("/static/media/café menu.f9.svg") == "/static/media/caf%C3%A9%20menu.f9.svg"
    assert encode("/static/*") == "/static/*"
    assert encode("/a+b(1).js") == "/a+b(1).js"


def test_collapse_to_parent_wildcards_then_everything() -> None:
    paths = [f"/static/js/{i}.js" for i in range(20)] + ["/index.html", "/"]
    assert collapse(paths, 15) == ["/", "/index.html", "/static/js/*"]
    assert collapse(paths, 0) == sorted(paths)  # 0 = never collapse
    many_dirs = [f"/d{i}/x/{j}.js" for i in range(20) for j in range(2)]
    assert collapse(many_dirs, 15) == ["/*"]  # 20 wildcards would exceed both limits
    assert collapse(["/a", "/b"], 15) == ["/a", "/b"]


def test_plan_invalidation_reports_raw_count_and_collapsing() -> None:
    items = [change(f"static/js/{i}.js") for i in range(30)]
    plan = plan_invalidation(items, max_paths=10)
    assert plan.paths == ("/static/js/*",) and plan.raw_count == 30 and plan.collapsed
    owed = plan_invalidation([], extra=["/old.js"])
    assert owed.paths == ("/old.js",)


def test_batches_respect_cloudfront_limits() -> None:
    # CloudFront's documented quotas: 3,000 file paths and 15 wildcard paths in progress per
    # distribution. Written out here, not read from the code, so a wrong constant fails.
    files = [f"/f{i}" for i in range(3005)]
    assert [len(b) for b in batches(files)] == [3000, 5]
    wild = [f"/w{i}/*" for i in range(20)]
    assert [len(b) for b in batches(wild)] == [15, 5]


class FakeCloudFront:
    def __init__(self, busy: int = 0, statuses: list[str] | None = None) -> None:
        self.busy = busy
        self.calls: list[dict] = []
        self.statuses = statuses or ["COMPLETED"]

    def create_invalidation(self, **kwargs):
        self.calls.append(kwargs)
        if self.busy:
            self.busy -= 1
            raise ClientError({"Error": {"Code": "TooManyInvalidationsInProgress", "Message": "busy"}},
                              "CreateInvalidation")
        return {"Invalidation": {"Id": f"I{len(self.calls)}"}}

    def get_invalidation(self, **kwargs):
        return {"Invalidation": {"Status": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}}


def test_too_many_invalidations_is_retried_with_backoff() -> None:
    fake, sleeps = FakeCloudFront(busy=2), []
    ids = create_invalidations(fake, "D1", ["/a"], caller_reference="ref", sleep=sleeps.append)
    assert ids == ["I3"] and sleeps == [2.0, 4.0]
    assert fake.calls[0]["InvalidationBatch"] == {"Paths": {"Quantity": 1, "Items": ["/a"]}, "CallerReference": "ref"}


def test_gives_up_after_attempts() -> None:
    with pytest.raises(AwsError, match="TooManyInvalidationsInProgress"):
        create_invalidations(FakeCloudFront(busy=99), "D1", ["/a"], caller_reference="r",
                             attempts=3, sleep=lambda s: None)


def test_wait_compares_status_case_insensitively() -> None:
    fake, sleeps = FakeCloudFront(statuses=["InProgress", "COMPLETED"]), []
    wait_for(fake, "D1", ["I1"], sleep=sleeps.append, interval=1)
    assert sleeps == [1]
    wait_for(FakeCloudFront(statuses=["Completed"]), "D1", ["I1"], sleep=sleeps.append)


def test_wait_times_out_with_a_hint() -> None:
    ticks = iter(range(0, 10_000, 100))
    with pytest.raises(AwsError, match="still in progress"):
        wait_for(FakeCloudFront(statuses=["InProgress"]), "D1", ["I1"], timeout=250,
                 sleep=lambda s: None, clock=lambda: float(next(ticks)))


def test_folder_wildcards_cover_exactly_what_the_general_rule_covers() -> None:
    """The per-level lookup used when every wildcard is a folder's (``/a/b/*``) agrees with the
    general prefix rule on every path, wildcards included."""
    import random

    from cruddur_ops.sync.invalidation import _covered, _covered_by_folder, _dedupe

    rng = random.Random(3)
    names = ["a", "b", "ab", "a b", "é", ""]  # "": keys with "//" in them
    paths = {"/" + "/".join(rng.choice(names) for _ in range(rng.randint(1, 4))) + rng.choice(["", "/", "/*"])
             for _ in range(3000)} | {"/*", "/", "/a/*"}
    wildcards = sorted(p for p in paths if p.endswith("/*"))
    for chosen in (wildcards, wildcards[:5], ["/*"], []):
        folders = {w[:-1] for w in chosen}
        for path in paths:
            assert _covered_by_folder(path, folders) == _covered(path, chosen), (path, chosen[:5])
    for path, wildcard, covered in (("/a//b", "/a//*", True), ("//x", "//*", True), ("/a/b/c", "/a/b/*", True),
                                    ("/a/b", "/a/b/*", False), ("/a/b/*", "/a/b/*", False)):
        assert _covered_by_folder(path, {wildcard[:-1]}) == _covered(path, [wildcard]) == covered
    general = sorted(p for p in paths if not _covered(p, wildcards))
    assert _dedupe(paths) == general
    assert _dedupe(["/img*", "/img1.png", "/index.html"]) == ["/img*", "/index.html"]  # not a folder's
