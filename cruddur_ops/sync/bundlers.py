"""Which files of a build are content-hashed, from what each mainstream bundler writes.

A content-hashed file gets a new name whenever its bytes change, so it can be cached for a year
(``immutable``); any other file must be revalidated. A mistake one way serves a stale site for a
year (an unhashed file cached as immutable); the other way costs cache hits, CloudFront
invalidations and, once releases keep old assets for users in flight, those assets. So the
bundler's own manifest is read first, and the name rules say "hashed" only where a bundler's
naming template leaves no doubt.

Name rules (for files no manifest decides), by bundler, on the path relative to the build dir:

=====================  ======================================  ==================================
bundler                what it writes                          rule
=====================  ======================================  ==================================
CRA / webpack          ``static/js/main.489c26e2.js``,         a dot-separated name part of 8 or
                       ``787.28cb0dcd.chunk.js``,              more hex digits (``.<hex>.``), or
                       ``static/media/logo.<20 hex>.svg``      a dash-separated one of 16 or more
Parcel                 ``index.9f1c4b7e.js``                   (same: ``.<8 hex>.``)
Angular ≤ 16           ``main.<16 hex>.js``                    (same)
Vite / Rollup          ``assets/index-DykytF2W.js``: 8         ``-<8 base64url>`` before the
                       base64url characters (``A-Za-z0-9-_``)  extension, under an ``assets/``
                                                               folder, and only when no Vite
                                                               manifest is present (see below)
esbuild, Angular ≥ 17  ``main-S573EINC.js``: 8 upper-case      ``-<8 of A-Z 2-7>`` before the
                       base32 characters                       extension
Next.js export         ``_next/static/**`` (Turbopack chunks   every file under it (what Next's
                       are bare hashes: ``0cz1d0mv5g_q7.js``)  own server marks immutable)
=====================  ======================================  ==================================

Why Vite's rule needs its folder: 8 base64url characters include every 8-letter lower-case word,
so ``my-longname.js`` and Rollup's ``index-abcdefgh.js`` (a real hash; one in about 1,350 is all
lower-case letters) cannot be told apart by name. Where they are can: Vite writes every file it
hashes into its ``assetsDir``, ``assets/``, and copies ``public/`` to the root. That still leaves
``public/assets/`` (copied verbatim into ``assets/``); a Vite manifest closes it, because it names
every file Rollup emitted (entries, dynamic chunks, CSS, imported and CSS ``url()`` assets,
workers): with one present, the Rollup rule applies to exactly the files it names, and a file it
does not name is not Rollup-hashed whatever its name. The folder rule is off as well where a
create-react-app manifest or a Next build id shows whose build it is: there, ``assets/`` holds
copies of ``public/assets/``.

Manifests (the bundler's word wins over the name rules):

- ``.vite/manifest.json`` (Vite ≥ 5; ``manifest.json`` in Vite ≤ 4, told from a web app manifest
  by its shape): each entry's ``file``, ``css`` and ``assets``; a file counts as hashed when its
  name is its source's name plus ``-`` and 8 base64url characters, so a build configured
  without ``[hash]`` (``entryFileNames: '[name].js'``) is not taken for hashed.
- ``asset-manifest.json`` (create-react-app): every file it lists under ``static/`` (CRA names
  each of them ``[name].[contenthash:8]``); ``index.html`` and a service worker at the root are not.
- Next.js: the build id folder ``_next/static/<build id>/`` (with ``_buildManifest.js``) marks
  the build as Next's; everything under ``_next/static/`` is hashed.

Source maps (``*.map``) and webpack's extracted licence files (``*.LICENSE.txt``) are never
"hashed": each is named after the file it belongs to (``main.489c26e2.js.map``), whose hash covers
that file's code, not the map or the licences, so they can change under the same name (a changed
comment or licence text leaves the minified code, and its hash, as it was). They are uploaded and
revalidated; ``cruddur.sync.ignore: ["*.map"]`` keeps maps off the bucket.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# `.<8+ hex>.` (webpack/CRA, Parcel, Angular ≤ 16) or `-<16+ hex>.` (webpack's 20-digit default
# behind a dash); 16 hex digits after a dash is no word or date.
_HEX_PART = re.compile(r"(?:\.[0-9a-f]{8,}|-[0-9a-f]{16,})\.")
_BASE32_SUFFIX = re.compile(r".-[A-Z2-7]{8}\.[A-Za-z0-9]+$")  # esbuild: [name]-[hash].ext
_ROLLUP_SUFFIX = re.compile(r".-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$")  # Rollup: [name]-[hash].ext
ROLLUP_FOLDER = "assets"  # Vite's default build.assetsDir
NEXT_STATIC = "_next/static/"
# Files named after another file's hash rather than their own content (see the docstring).
NAMED_AFTER_ANOTHER = (".map", ".LICENSE.txt")

VITE_MANIFESTS = (".vite/manifest.json", "manifest.json")  # Vite ≥ 5, Vite ≤ 4
CRA_MANIFEST = "asset-manifest.json"
MANIFEST_PATHS = (*VITE_MANIFESTS, CRA_MANIFEST)
_NEXT_BUILD_ID = re.compile(r"^_next/static/([^/]+)/_buildManifest\.js$")


def _split(rel: str) -> tuple[str, str]:
    folder, _, name = rel.rpartition("/")
    return folder, name


def _in_folder(folder: str, wanted: str) -> bool:
    return f"/{wanted}/" in f"/{folder}/"


def is_rollup_hashed(name: str) -> bool:
    """``name`` has Rollup's ``[name]-[hash].[ext]`` shape (8 base64url characters)."""
    return bool(_ROLLUP_SUFFIX.search(name))


def is_content_hashed(rel: str, *, rollup_folder: bool = True) -> bool:
    """The name rules alone (see the module docstring): is the file at ``rel`` (relative to the
    build dir, ``/``-separated) content-hashed? ``rollup_folder=False`` turns the Vite/Rollup
    ``assets/`` rule off (a Vite manifest decides those files instead)."""
    if rel.endswith(NAMED_AFTER_ANOTHER):
        return False
    if rel.startswith(NEXT_STATIC):
        return True
    folder, name = _split(rel)
    if _HEX_PART.search(name) or _BASE32_SUFFIX.search(name):
        return True
    return rollup_folder and _in_folder(folder, ROLLUP_FOLDER) and is_rollup_hashed(name)


@dataclass(frozen=True)
class ContentHashes:
    """What a build's manifests say, plus the name rules: ``is_hashed(rel)`` for the planner."""

    named: frozenset[str] = frozenset()  # files a bundler manifest names as hashed
    # The Vite rule by folder (assets/[name]-[hash]) holds only where no manifest tells the
    # bundler: a Vite manifest names Rollup's files itself, and a create-react-app or Next build
    # has no Rollup names (its assets/ folder is a copy of public/assets/).
    rollup_by_folder: bool = True
    recognised: tuple[str, ...] = ()  # what was found, for the preview ("Vite (.vite/manifest.json …)")
    problems: tuple[str, ...] = ()  # manifests that could not be read (the name rules apply)

    def is_hashed(self, rel: str) -> bool:
        if rel.endswith(NAMED_AFTER_ANOTHER):
            return False
        if rel in self.named:
            return True
        return is_content_hashed(rel, rollup_folder=self.rollup_by_folder)


NAME_RULES_ONLY = ContentHashes()

Reader = Callable[[str], bytes | None]  # a manifest's bytes by path in the build, None when absent


def _stem(name: str) -> str:
    base = name.rpartition("/")[2]
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base


def _is_named_with_hash(file: str, sources: set[str]) -> bool:
    """Rollup named ``file`` ``[name]-[hash]`` from one of ``sources``: its stem is that name,
    ``-`` and 8 base64url characters (Vite's ``entryFileNames``/``chunkFileNames``/
    ``assetFileNames`` defaults; a config without ``[hash]`` gives a stem that is the bare name)."""
    stem = _stem(file)
    return is_rollup_hashed(file.rpartition("/")[2]) and stem[:-9] in sources


def vite_manifest_files(data: object) -> set[str] | None:
    """The files a Vite manifest names as hashed; None when ``data`` is not a Vite manifest (a
    web app ``manifest.json`` has ``name`` and ``icons``, not chunk entries with a ``file``).

    An entry's own ``file`` is checked against the entry's ``name`` and ``src``; a CSS file or
    asset listed under an entry without one of its own is named after its own source, which the
    manifest does not give, so its shape alone decides."""
    if not isinstance(data, dict) or not data:
        return None
    if not all(isinstance(v, dict) and isinstance(v.get("file"), str) for v in data.values()):
        return None
    hashed: set[str] = set()
    own: set[str] = set()
    for entry in data.values():
        file = entry["file"].lstrip("/")
        own.add(file)
        sources = {str(entry["name"])} if isinstance(entry.get("name"), str) else set()
        if isinstance(entry.get("src"), str):
            sources.add(_stem(entry["src"]))
        if _is_named_with_hash(file, sources):
            hashed.add(file)
    for entry in data.values():
        for listed in (f.lstrip("/") for key in ("css", "assets") for f in entry.get(key) or ()
                       if isinstance(f, str)):
            if listed not in own and is_rollup_hashed(listed.rpartition("/")[2]):
                hashed.add(listed)
    return hashed


def _build_path(url: str, rels: frozenset[str]) -> str | None:
    """The build file a CRA manifest URL points at: ``/static/js/x.js``, or with a PUBLIC_URL
    ``/app/static/js/x.js`` or ``https://cdn.example/app/static/js/x.js``."""
    parts = unquote(urlsplit(url).path).lstrip("/").split("/")
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in rels:
            return candidate
    return None


def cra_manifest_files(data: object, rels: frozenset[str]) -> set[str] | None:
    """The files an ``asset-manifest.json`` lists under ``static/`` (CRA hashes each of them)."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return None
    hashed = set()
    for url in data["files"].values():
        rel = _build_path(url, rels) if isinstance(url, str) else None
        if rel is not None and rel.startswith("static/") and not rel.endswith(NAMED_AFTER_ANOTHER):
            hashed.add(rel)
    return hashed


def next_build_id(rels: Iterable[str]) -> str | None:
    for rel in rels:
        if rel.startswith(NEXT_STATIC) and (match := _NEXT_BUILD_ID.match(rel)):
            return match.group(1)
    return None


def _load(read: Reader, path: str) -> tuple[object | None, str | None]:
    """(parsed JSON, problem): a manifest that is absent is (None, None)."""
    try:
        raw = read(path)
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"
    if raw is None:
        return None, None
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"{path}: not valid JSON ({exc})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def recognise(rels: Sequence[str], read: Reader) -> ContentHashes:
    """Read the bundler manifests of a build whose files are ``rels`` (``read`` returns a
    manifest's bytes, or None when the build has none at that path)."""
    files = frozenset(rels)
    named: set[str] = set()
    recognised: list[str] = []
    problems: list[str] = []
    for path in VITE_MANIFESTS:
        data, problem = _load(read, path)
        if problem and path != "manifest.json":  # a web app manifest.json need not be JSON we know
            problems.append(problem)
        hashed = vite_manifest_files(data) if data is not None else None
        if hashed is None:
            continue
        named |= hashed & files
        recognised.append(f"Vite ({path}: {_plural(len(hashed & files), 'hashed file')})")
        break
    data, problem = _load(read, CRA_MANIFEST)
    if problem:
        problems.append(problem)
    cra = cra_manifest_files(data, files) if data is not None else None
    if cra is not None:
        named |= cra
        recognised.append(f"create-react-app ({CRA_MANIFEST}: {_plural(len(cra), 'hashed file')})")
    build_id = next_build_id(rels)
    if build_id is not None:
        count = sum(1 for rel in rels if rel.startswith(NEXT_STATIC) and not rel.endswith(NAMED_AFTER_ANOTHER))
        recognised.append(f"Next.js (build id {build_id}: {_plural(count, 'hashed file')} in {NEXT_STATIC})")
    return ContentHashes(named=frozenset(named), rollup_by_folder=not recognised,
                         recognised=tuple(recognised), problems=tuple(problems))
