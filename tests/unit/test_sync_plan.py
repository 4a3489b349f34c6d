"""The pure planner, keys, Content-Type and Cache-Control rules."""

from __future__ import annotations

import pytest

from cruddur_ops.errors import ConfigError
from cruddur_ops.sync.cache_control import (
    IMMUTABLE,
    REVALIDATE,
    CacheRule,
    cache_control_for,
    is_content_hashed,
    parse_rules,
)
from cruddur_ops.sync.content_types import content_type_for
from cruddur_ops.sync.keys import key_for, normalise_prefix
from cruddur_ops.sync.model import LocalFile, RemoteObject
from cruddur_ops.sync.plan import (
    PlanRules,
    build_plan,
    metadata_candidates,
    needs_metadata,
    uploads_foreseen,
)
from cruddur_ops.sync.safety import delete_cap_violation

MD5_A = "0" * 31 + "a"
MD5_B = "0" * 31 + "b"


def local(key: str, md5: str = MD5_A, size: int = 10, rel: str | None = None) -> LocalFile:
    return LocalFile(key=key, rel=rel or key, size=size, md5=md5)


def by_path(plan):
    return {i.path: i for i in plan.items}


def test_every_action_with_its_reason() -> None:
    files = [local("new.js"), local("same.js"), local("edited.js", MD5_B), local("grown.js", size=11),
             local("robots.txt")]
    remote = {
        "same.js": RemoteObject("same.js", 10, MD5_A),
        "edited.js": RemoteObject("edited.js", 10, MD5_A),
        "grown.js": RemoteObject("grown.js", 10, MD5_A),
        "stale.js": RemoteObject("stale.js", 5, MD5_A),
        "keep/me.txt": RemoteObject("keep/me.txt", 5, MD5_A),
    }
    plan = build_plan(files, remote, bucket="b", rules=PlanRules(ignore=("robots.txt", "keep/*")))
    items = by_path(plan)
    assert (items["new.js"].action, items["new.js"].reason) == ("create", "not in bucket")
    assert (items["same.js"].action, items["same.js"].reason) == ("no_change", "same size and md5")
    assert (items["edited.js"].action, items["edited.js"].reason) == ("update", "md5 differs")
    assert items["grown.js"].action == "update" and "size differs (10 → 11" in items["grown.js"].reason
    assert (items["stale.js"].action, items["stale.js"].md5) == ("delete", None)
    assert items["robots.txt"].action == "ignore" and items["keep/me.txt"].action == "ignore"
    assert [i.path for i in plan.items] == sorted(i.path for i in plan.items)
    assert plan.count("create") == 1 and plan.count("update") == 2 and plan.count("delete") == 1
    assert plan.upload_bytes == 10 + 10 + 11
    assert items["edited.js"].remote_etag == MD5_A and items["new.js"].remote_etag is None


def test_same_size_edit_is_caught_without_mtimes() -> None:
    plan = build_plan([local("a.css", MD5_B)], {"a.css": RemoteObject("a.css", 10, MD5_A)}, bucket="b")
    assert plan.items[0].action == "update"


def test_multipart_etag_uses_metadata_md5_and_only_then_asks_for_it() -> None:
    files = [local("big.bin"), local("plain.js"), local("other-size.bin", size=99)]
    remote = {
        "big.bin": RemoteObject("big.bin", 10, "abc-3"),
        "plain.js": RemoteObject("plain.js", 10, MD5_A),
        "other-size.bin": RemoteObject("other-size.bin", 10, "abc-2"),
    }
    assert metadata_candidates(files, remote, PlanRules()) == ["big.bin"]
    assert needs_metadata(files[0], remote["big.bin"]) and not needs_metadata(files[1], remote["plain.js"])
    matched = by_path(build_plan(files, remote, bucket="b", metadata={"big.bin": MD5_A}))
    assert matched["big.bin"].action == "no_change"
    assert matched["big.bin"].reason == "same size and md5 (object metadata)"
    missing = by_path(build_plan(files, remote, bucket="b", metadata={"big.bin": None}))
    assert (missing["big.bin"].action, missing["big.bin"].reason) == ("update", "multipart ETag without md5 metadata")
    wrong = by_path(build_plan(files, remote, bucket="b", metadata={"big.bin": MD5_B}))
    assert wrong["big.bin"].reason == "md5 differs (object metadata)"


def test_sse_kms_like_etag_is_rescued_by_metadata() -> None:
    # An SSE-KMS ETag looks like an MD5 but is not one: same size + mismatch → ask metadata.
    files = [local("a.js")]
    remote = {"a.js": RemoteObject("a.js", 10, MD5_B)}
    assert metadata_candidates(files, remote, PlanRules()) == ["a.js"]
    assert build_plan(files, remote, bucket="b", metadata={"a.js": MD5_A}).items[0].action == "no_change"


def test_force_reuploads_everything() -> None:
    plan = build_plan([local("a.js")], {"a.js": RemoteObject("a.js", 10, MD5_A)}, bucket="b",
                      rules=PlanRules(force=True))
    assert (plan.items[0].action, plan.items[0].reason) == ("update", "forced")


def test_uploads_are_foreseen_from_the_listing_alone_when_it_shows_one() -> None:
    same = {"a.js": RemoteObject("a.js", 10, MD5_A), "gone.js": RemoteObject("gone.js", 3, MD5_A)}
    assert not uploads_foreseen([local("a.js")], same, PlanRules())  # a delete records no upload
    assert uploads_foreseen([local("a.js")], same, PlanRules(force=True))
    assert uploads_foreseen([local("a.js"), local("new.js")], same, PlanRules())
    assert uploads_foreseen([local("a.js", size=11)], same, PlanRules())
    assert uploads_foreseen([local("a.js", MD5_B)], same, PlanRules())
    # a multipart ETag says nothing of the bytes (the metadata decides); ignored files never upload
    assert not uploads_foreseen([local("a.js", MD5_B)], {"a.js": RemoteObject("a.js", 10, MD5_A + "-2")}, PlanRules())
    assert not uploads_foreseen([local("a.js"), local("new.js")], same, PlanRules(ignore=("new.js",)))
    plan = build_plan([local("a.js", MD5_B)], same, bucket="b")  # what the plan then says
    assert plan.count("update") == 1


def test_prefix_deletes_only_under_it_and_ignores_by_relative_path() -> None:
    plan = build_plan([local("site/a.js", rel="a.js")],
                      {"site/old.js": RemoteObject("site/old.js", 1, MD5_A)},
                      bucket="b", prefix="site/", rules=PlanRules(ignore=("old.js",)))
    assert by_path(plan)["site/old.js"].action == "ignore"


def test_key_modes() -> None:
    assert key_for("about/index.html") == "about/index.html"
    assert key_for("about.html", "strip-html") == "about"
    assert key_for("blog/index.html", "strip-html") == "blog/index"
    assert key_for("index.html", "strip-html") == "index.html"
    assert key_for("a.html.gz", "strip-html") == "a.html.gz"  # the gem made this "a.gz"
    assert key_for("x.js", prefix="site/") == "site/x.js"
    assert normalise_prefix("/site/") == "site/" and normalise_prefix("") == ""


@pytest.mark.parametrize(("name", "expected"), [
    ("index.html", "text/html; charset=utf-8"),
    ("a.js", "text/javascript; charset=utf-8"),
    ("a.mjs", "text/javascript; charset=utf-8"),
    ("a.css", "text/css; charset=utf-8"),
    ("a.json", "application/json; charset=utf-8"),
    ("a.js.map", "application/json; charset=utf-8"),
    ("a.svg", "image/svg+xml"),
    ("a.png", "image/png"),
    ("A.JPG", "image/jpeg"),
    ("a.webp", "image/webp"),
    ("a.avif", "image/avif"),
    ("favicon.ico", "image/x-icon"),
    ("f.woff", "font/woff"),
    ("f.woff2", "font/woff2"),
    ("m.wasm", "application/wasm"),
    ("site.webmanifest", "application/manifest+json; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("a.cjs", "text/javascript; charset=utf-8"),
    ("index.txt", "text/plain; charset=utf-8"),  # Next's RSC payload
    ("main.fd0bef51.js.LICENSE.txt", "text/plain; charset=utf-8"),
    ("i.apng", "image/apng"),
    ("i.jxl", "image/jxl"),
    ("captions.vtt", "text/vtt; charset=utf-8"),
    ("clip.ogv", "video/ogg"),
    ("clip.mov", "video/quicktime"),
    ("a.wav", "audio/wav"),
    ("a.m4a", "audio/mp4"),
    ("a.opus", "audio/ogg"),
    ("a.flac", "audio/flac"),
    ("a.weba", "audio/webm"),
    ("m.glb", "model/gltf-binary"),
    ("m.gltf", "model/gltf+json; charset=utf-8"),
    ("d.jsonld", "application/ld+json; charset=utf-8"),
    ("feed.atom", "application/atom+xml; charset=utf-8"),
    ("CNAME", "application/octet-stream"),
])
def test_content_types(name: str, expected: str) -> None:
    assert content_type_for(name) == expected


def test_content_type_override() -> None:
    assert content_type_for("x.wasm", {".wasm": "application/x-custom"}) == "application/x-custom"


@pytest.mark.parametrize(("name", "hashed"), [
    ("static/js/main.489c26e2.js", True),
    ("static/js/202.cddbf3e1.chunk.js", True),
    ("static/js/main.489c26e2.js.map", False),  # named after the JS, not its own bytes
    ("static/media/logo.e00f3f40d7c76fced032.png", True),
    ("assets/index-D8b4DfJz.js", True),
    ("robots.txt", False),
    ("manifest.json", False),
    ("my-longname.js", False),
    ("logo192.png", False),
])
def test_content_hash_detection(name: str, hashed: bool) -> None:
    assert is_content_hashed(name) is hashed


def test_cache_control_defaults_and_rules() -> None:
    assert cache_control_for("index.html", "index.html", html=True) == "no-cache"
    assert cache_control_for("static/js/main.489c26e2.js", "static/js/main.489c26e2.js", html=False) == IMMUTABLE
    assert cache_control_for("robots.txt", "robots.txt", html=False) == REVALIDATE
    rules = parse_rules([{"match": "static/**", "value": "max-age=60"}])
    assert rules == (CacheRule("static/**", "max-age=60"),)
    assert cache_control_for("static/js/x.js", "static/js/x.js", html=False, rules=rules) == "max-age=60"
    with pytest.raises(ConfigError):
        parse_rules([{"match": "x"}])
    with pytest.raises(ConfigError):
        parse_rules("nope")


def test_delete_caps() -> None:
    files = [local(f"f{i}") for i in range(30)]
    remote = {f"old{i}": RemoteObject(f"old{i}", 1, MD5_A) for i in range(60)}
    plan = build_plan(files, remote, bucket="b")
    assert "more than the cap of 50" in (delete_cap_violation(plan) or "")
    assert delete_cap_violation(plan, max_deletes=100, max_percent=100) is None
    few = build_plan(files, {f"f{i}": RemoteObject(f"f{i}", 10, MD5_A) for i in range(30)}
                     | {f"old{i}": RemoteObject(f"old{i}", 1, MD5_A) for i in range(20)}, bucket="b")
    assert delete_cap_violation(few) is None  # 20 of 50 = 40%: under the 50% cap
    assert "(40%)" in (delete_cap_violation(few, max_percent=30) or "")
    tiny = build_plan([local("a")], {"x": RemoteObject("x", 1, MD5_A)}, bucket="b")
    assert delete_cap_violation(tiny) is None  # 100% of a 1-object bucket: percent cap needs 20+


def test_repeated_strings_are_shared_and_the_counts_are_derived_once() -> None:
    """mimetypes and f-strings make a new string per call: the plan keeps one of each."""
    files = [LocalFile(f"d/{i}.ics", f"d/{i}.ics", i, f"{i:032x}") for i in range(50)]
    files += [LocalFile(f".cache/{i}", f".cache/{i}", 1, f"{i:032x}") for i in range(5)]
    remote = {f"d/{i}.ics": RemoteObject(f"d/{i}.ics", i, f"{i:032x}") for i in range(10)}
    plan = build_plan(files, remote, bucket="b", rules=PlanRules(ignore=(".cache/*",)))
    ics = [i for i in plan.items if i.path.endswith(".ics")]  # text/calendar + "; charset=utf-8"
    assert ics[0].content_type == "text/calendar; charset=utf-8"
    assert len({id(i.content_type) for i in ics}) == 1
    assert len({id(i.reason) for i in plan.items if i.action == "ignore"}) == 1
    assert all(i.file is i.path for i in plan.items)
    assert (plan.count("create"), plan.count("no_change"), plan.count("ignore"), plan.count("delete")) == (40, 10, 5, 0)
    assert plan.upload_bytes == sum(range(10, 50)) and plan.has_changes
    assert plan.changes is plan.changes and len(plan.changes) == 40  # one tuple, made once
