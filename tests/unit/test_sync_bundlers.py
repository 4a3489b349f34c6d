"""Content-hash classification (sync/bundlers.py): the name rules, the bundler manifests, and the
plan built from the recorded file lists of real builds (tests/fixtures/bundlers/)."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruddur_ops.sync.bundlers import (
    ContentHashes,
    cra_manifest_files,
    is_content_hashed,
    recognise,
    vite_manifest_files,
)
from cruddur_ops.sync.cache_control import HTML, IMMUTABLE, REVALIDATE, parse_rules
from cruddur_ops.sync.invalidation import plan_invalidation
from cruddur_ops.sync.local import list_build
from cruddur_ops.sync.model import LocalFile, Plan
from cruddur_ops.sync.plan import PlanRules, build_plan
from cruddur_ops.sync.service import build_notes, manifest_reader
from tests.support import build_fixtures

MD5 = "0" * 32


def plan_fixture(name: str, tmp_path: Path, rules: PlanRules | None = None) -> tuple[Plan, ContentHashes]:
    """Lay the recorded build out and plan its first deploy the way the sync does: walk (hidden
    entries skipped), read the manifests, plan against an empty bucket."""
    build = build_fixtures.load(name).materialise(tmp_path / name)
    names = list_build(build, key_mode="relative")
    hashes = recognise(names.rels, manifest_reader(build))
    files = [LocalFile(key=k, rel=r, size=1, md5=MD5) for r, k in zip(names.rels, names.keys, strict=True)]
    rules = rules or PlanRules()
    plan = build_plan(files, {}, bucket="b", rules=PlanRules(
        ignore=rules.ignore, cache_rules=rules.cache_rules, content_hashes=hashes),
        notes=build_notes(hashes, names.hidden, names.skipped))
    return plan, hashes


def by_cache(plan: Plan) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for item in plan.items:
        out.setdefault(item.cache_control or "", set()).add(item.path)
    return out


# What each bundler hashes, in its own terms (the fixtures' README says how each build was made).
def _maps_and_licences(rel: str) -> bool:
    return rel.endswith((".map", ".LICENSE.txt"))


EXPECTED_HASHED: dict[str, Callable[[str], bool]] = {
    # Vite writes every hashed file into assets/; public/ is copied to the root.
    "vite-react-template": lambda rel: rel.startswith("assets/"),
    # The same, but public/assets/my-longname.js is a copy under assets/: the manifest tells.
    "vite-manifest": lambda rel: rel.startswith("assets/") and not _maps_and_licences(rel)
    and rel != "assets/my-longname.js",
    # react-scripts names everything under static/ [name].[contenthash:8] (media: [hash]).
    "create-react-app": lambda rel: rel.startswith("static/") and not _maps_and_licences(rel),
    # Parcel hashes every bundle but the HTML entry.
    "parcel": lambda rel: not rel.endswith(".html") and not _maps_and_licences(rel),
    # esbuild: [name]-[hash] for entries, chunks and assets, as configured.
    "esbuild": lambda rel: not _maps_and_licences(rel),
    # Next: everything under _next/static/.
    "next-export": lambda rel: rel.startswith("_next/static/"),
    # Angular's application builder (esbuild): [name]-[hash] bundles and media/; public/ copied.
    "angular": lambda rel: rel not in ("index.html", "favicon.ico"),
    # Angular's webpack builder (the default up to Angular 16): [name].[16 hex].
    "angular-webpack": lambda rel: rel not in ("index.html", "favicon.ico", "3rdpartylicenses.txt"),
}

EXPECTED_NOTES = {
    "vite-react-template": [],
    "vite-manifest": ["Bundler: Vite (.vite/manifest.json: 6 hashed files)",
                      "Not published: .DS_Store, .vite/ (hidden build metadata and OS files; "
                      "cruddur.sync.keep_hidden publishes hidden names)"],
    "create-react-app": ["Bundler: create-react-app (asset-manifest.json: 4 hashed files)"],
    "parcel": [],
    "esbuild": [],
    "next-export": ["Bundler: Next.js (build id OiMjzd6YBMakBLi4oEM5S: 13 hashed files in _next/static/)"],
    "angular": [],
    "angular-webpack": [],
}


def test_every_recorded_build_has_expectations() -> None:
    assert set(build_fixtures.names()) == set(EXPECTED_HASHED) == set(EXPECTED_NOTES)


@pytest.mark.parametrize("name", sorted(EXPECTED_HASHED))
def test_recorded_builds_get_the_cache_control_their_bundler_implies(name: str, tmp_path: Path) -> None:
    plan, _ = plan_fixture(name, tmp_path)
    assert plan.items, name
    for item in plan.items:
        html = (item.content_type or "").startswith("text/html")
        expected = HTML if html else IMMUTABLE if EXPECTED_HASHED[name](item.path) else REVALIDATE
        assert item.cache_control == expected, (name, item.path)
    assert list(plan.notes) == EXPECTED_NOTES[name]


def test_the_vite_table_of_the_issue(tmp_path: Path) -> None:
    """`npm create vite` + `npm run build`: every file under assets/ immutable (the JS was
    revalidated before), index.html no-cache, the public files revalidated."""
    groups = by_cache(plan_fixture("vite-react-template", tmp_path)[0])
    assert groups == {
        IMMUTABLE: {"assets/index-DykytF2W.css", "assets/index-CwOdOtxP.js", "assets/hero-CLDdwZDr.png",
                    "assets/react-CHdo91hT.svg", "assets/vite-BF8QNONU.svg"},
        HTML: {"index.html"},
        REVALIDATE: {"favicon.svg", "icons.svg"},
    }


# Content types for every extension the recorded builds emit.
EXPECTED_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",  # robots.txt, licences, Next's RSC payloads
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_HASHED))
def test_recorded_builds_get_content_types(name: str, tmp_path: Path) -> None:
    plan, _ = plan_fixture(name, tmp_path)
    for item in plan.items:
        suffix = "." + item.path.rpartition(".")[2]
        assert item.content_type == EXPECTED_TYPES[suffix], (name, item.path)


@pytest.mark.parametrize(("name", "paths"), [
    ("vite-react-template", ["/", "/favicon.svg", "/icons.svg", "/index.html"]),
    ("vite-manifest", ["/", "/assets/index-DIsgki5t.js.map", "/assets/my-longname.js",
                       "/assets/worker-C5QihLvP.js.map", "/favicon.svg", "/icons.svg", "/index.html"]),
    ("create-react-app", ["/", "/asset-manifest.json", "/favicon.ico", "/index.html", "/manifest.json",
                          "/robots.txt", "/static/css/main.b3137670.css.map",
                          "/static/js/549.a2d82c2c.chunk.js.map", "/static/js/main.fd0bef51.js.LICENSE.txt",
                          "/static/js/main.fd0bef51.js.map"]),
    ("parcel", ["/", "/about.42ab9c65.js.map", "/index.html", "/parcel.ac7485b9.css.map",
                "/parcel.ee31c64e.js.map"]),
    ("angular", ["/", "/favicon.ico", "/index.html"]),
    ("angular-webpack", ["/", "/3rdpartylicenses.txt", "/favicon.ico", "/index.html"]),
    ("esbuild", ["/chunks/about-PWJUXEV2.js.map", "/main-BENQJLI5.css.map", "/main-S573EINC.js.map"]),
    ("next-export", ["/", "/404.html", "/__next.__PAGE__.txt", "/__next._tree.txt", "/_not-found.html",
                     "/_not-found.txt", "/_not-found/__next._not-found.__PAGE__.txt",
                     "/_not-found/__next._tree.txt", "/about.html", "/about.txt", "/about/__next._tree.txt",
                     "/about/__next.about.__PAGE__.txt", "/index.html", "/index.txt", "/robots.txt"]),
])
def test_first_deploy_invalidates_only_what_a_cache_may_hold(name: str, paths: list[str], tmp_path: Path) -> None:
    """A created content-hashed asset is new with its bytes: nothing can have cached it."""
    plan, _ = plan_fixture(name, tmp_path)
    assert list(plan_invalidation(plan.items).paths) == paths


def test_configured_rules_override_the_bundler(tmp_path: Path) -> None:
    rules = PlanRules(cache_rules=parse_rules([{"match": "assets/*.js", "value": "max-age=60"}]))
    plan, _ = plan_fixture("vite-manifest", tmp_path, rules)
    cache = {item.path: item.cache_control for item in plan.items}
    assert cache["assets/index-DIsgki5t.js"] == "max-age=60"
    assert cache["assets/my-longname.js"] == "max-age=60"
    assert cache["assets/index-9mMZENr5.css"] == IMMUTABLE


# --- name rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("rel", "hashed"), [
    ("static/js/main.489c26e2.js", True),  # CRA
    ("static/js/787.28cb0dcd.chunk.js", True),
    ("static/media/logo.e00f3f40d7c76fced032.svg", True),
    ("static/js/main.489c26e2.js.LICENSE.txt", False),  # named after main.js, not its own bytes
    ("index.9f1c4b7e.js", True),  # Parcel
    ("main.5f3a1b2c4d6e8f90.js", True),  # Angular <= 16
    ("main-S573EINC.js", True),  # esbuild / Angular >= 17
    ("media/logo-GZCMA42J.svg", True),
    ("assets/index-DykytF2W.js", True),  # Vite
    ("assets/index-a-b_cdef.js", True),  # base64url: - and _ are hash characters
    ("assets/abc-abcdefgh.js", True),  # all lower-case: told from a word only by its folder
    ("abc-abcdefgh.js", False),
    ("app-f8d3c1a2b4e6d7c9a0b1.js", True),  # webpack's 20-digit [contenthash] behind a dash
    ("_next/static/chunks/0cz1d0mv5g_q7.js", True),  # Next (Turbopack chunks are bare hashes)
    ("_next/static/OiMjzd6YBMakBLi4oEM5S/_buildManifest.js", True),
    ("my-longname.js", False),
    ("robots.txt", False),
    ("manifest.json", False),
    ("favicon.ico", False),
    ("service-worker.js", False),
    ("sw.js", False),
    ("logo192.png", False),
    ("index.txt", False),  # Next's RSC payload for /
    ("photo-20241205.jpg", False),  # a date is not a hash behind a dash
    ("assets/index-DykytF2W.js.map", False),
])
def test_name_rules(rel: str, hashed: bool) -> None:
    assert is_content_hashed(rel) is hashed


BASE64URL = string.ascii_letters + string.digits + "-_"
NAME_CHARS = string.ascii_letters + string.digits + "-_."
EXTENSIONS = ["js", "css", "svg", "png", "woff2", "wasm", "avif", "json", "mjs", "webp"]


@settings(max_examples=500, deadline=None)
@given(name=st.text(NAME_CHARS, min_size=1, max_size=30).filter(lambda n: not n.startswith(".")),
       digest=st.text(BASE64URL, min_size=8, max_size=8), ext=st.sampled_from(EXTENSIONS))
def test_every_vite_hash_is_recognised(name: str, digest: str, ext: str) -> None:
    """Any 8 base64url characters in Vite's `assets/[name]-[hash].[ext]`, with or without a
    Vite manifest naming the file."""
    rel = f"assets/{name}-{digest}.{ext}"
    assert is_content_hashed(rel)
    manifest = {f"src/{name}.{ext}": {"file": rel, "src": f"src/{name}.{ext}"}}
    assert ContentHashes(named=frozenset(vite_manifest_files(manifest) or ()), rollup_by_folder=False).is_hashed(rel)


WORD = st.text(string.ascii_lowercase, min_size=1, max_size=12)
PLAIN_STEM = st.builds(
    lambda words, sep, tail: sep.join(words) + tail,
    st.lists(WORD | WORD.map(str.capitalize), min_size=1, max_size=4),
    st.sampled_from(["-", "_"]),
    st.sampled_from(["", "192", "-2", "_v2", "-512x512", "@2x", ".min", ".worker", ".chunk"]),
)
FOLDER = st.sampled_from(["", "img/", "fonts/", "static/", "public/", "media/", "docs/v2/", "assets/"])


@settings(max_examples=500, deadline=None)
@given(folder=FOLDER, stem=PLAIN_STEM, ext=st.sampled_from([*EXTENSIONS, "txt", "ico", "html", "xml"]))
def test_no_plain_name_is_hashed(folder: str, stem: str, ext: str) -> None:
    """Names people write (words joined by - or _, a size or version, .min) are never hashed:
    outside assets/ by the name rules, and under assets/ when a Vite manifest decides (as for
    public/assets/ files that Vite copies verbatim)."""
    rel = f"{folder}{stem}.{ext}"
    vite_build = ContentHashes(named=frozenset({"assets/index-DykytF2W.js"}), rollup_by_folder=False)
    assert not vite_build.is_hashed(rel)
    if folder != "assets/":
        assert not is_content_hashed(rel)


def test_known_limit_an_all_caps_eight_letter_suffix_reads_as_esbuild() -> None:
    """esbuild's hash is 8 upper-case base32 characters: `logo-FACEBOOK.png` has that shape.
    docs/guides.md says so and shows the cache_control override."""
    assert is_content_hashed("logo-FACEBOOK.png")


# --- manifests ----------------------------------------------------------------------------------

def test_vite_manifest_checks_each_file_against_its_source_name() -> None:
    manifest = {
        "index.html": {"file": "assets/index-ZF2VjcOV.js", "name": "index", "src": "index.html",
                       "css": ["assets/index-DykytF2W.css"], "assets": ["assets/hero-CLDdwZDr.png"]},
        "src/hero.png": {"file": "assets/hero-CLDdwZDr.png", "src": "src/hero.png"},
        # entryFileNames: '[name].js' (no [hash]): a file named like a hash is not taken for one
        "src/my-longname.js": {"file": "my-longname.js", "name": "my-longname", "src": "src/my-longname.js"},
        "src/plain.js": {"file": "assets/plain.js", "name": "plain"},
    }
    assert vite_manifest_files(manifest) == {"assets/index-ZF2VjcOV.js", "assets/index-DykytF2W.css",
                                             "assets/hero-CLDdwZDr.png"}


def test_a_web_app_manifest_is_not_a_vite_manifest() -> None:
    assert vite_manifest_files({"name": "Cruddur", "icons": [{"src": "logo192.png"}]}) is None
    assert vite_manifest_files([]) is None


def test_cra_manifest_with_a_public_url() -> None:
    rels = frozenset({"static/js/main.fd0bef51.js", "index.html", "static/js/main.fd0bef51.js.map"})
    manifest = {"files": {"main.js": "https://cdn.example/app/static/js/main.fd0bef51.js",
                          "index.html": "https://cdn.example/app/index.html",
                          "main.fd0bef51.js.map": "/app/static/js/main.fd0bef51.js.map",
                          "gone.js": "/static/js/gone.js"}}
    assert cra_manifest_files(manifest, rels) == {"static/js/main.fd0bef51.js"}


def test_a_manifest_wins_over_the_name_rules() -> None:
    """build.assetsDir: 'static': outside assets/ the rules cannot know a Rollup hash; the
    manifest names it. A file under assets/ that it does not name is a public/assets/ copy."""
    rels = ["index.html", "static/index-DykytF2W.js", "assets/app-abcdefgh.js"]
    manifest = {"index.html": {"file": "static/index-DykytF2W.js", "name": "index", "src": "index.html"}}
    assert not is_content_hashed("static/index-DykytF2W.js")
    assert is_content_hashed("assets/app-abcdefgh.js")
    hashes = recognise(rels, {".vite/manifest.json": json.dumps(manifest).encode()}.get)
    assert hashes.is_hashed("static/index-DykytF2W.js")
    assert not hashes.is_hashed("assets/app-abcdefgh.js")


def test_a_create_react_app_build_has_no_rollup_names(tmp_path: Path) -> None:
    """CRA copies public/assets/ to build/assets/: a word there is not a Vite hash."""
    rels = ["index.html", "static/js/main.fd0bef51.js", "assets/my-longname.js"]
    manifest = {"files": {"main.js": "/static/js/main.fd0bef51.js", "index.html": "/index.html"}}
    hashes = recognise(rels, {"asset-manifest.json": json.dumps(manifest).encode()}.get)
    assert hashes.is_hashed("static/js/main.fd0bef51.js")
    assert not hashes.is_hashed("assets/my-longname.js")
    next_build = recognise(["_next/static/abc/_buildManifest.js", "assets/my-longname.js"], {}.get)
    assert not next_build.is_hashed("assets/my-longname.js")


def test_unreadable_manifest_falls_back_to_name_rules_with_a_note() -> None:
    hashes = recognise(["index.html", "assets/index-DykytF2W.js"], {".vite/manifest.json": b"{oops"}.get)
    assert hashes.is_hashed("assets/index-DykytF2W.js")
    assert hashes.problems and hashes.problems[0].startswith(".vite/manifest.json: not valid JSON")
    assert "could not read .vite/manifest.json" in build_notes(hashes, [])[0]
