"""Content-hashed files the bucket already holds, decided without reading them
(``SYNC_TRUST_HASHED_NAMES=true``; off by default).

A bundler names an asset after its bytes (``main.3f2a9c1b.js``), and the plan serves it as
``immutable``: browsers and CloudFront never ask for it again, so a deploy already relies on the
name standing for the content. With the setting on, when the bucket holds the same key at the
same size with an ETag that is an MD5 (a single-part upload), the build's file is taken to be
that object and is not read. On a fresh CI runner, where every file has a new mtime and the MD5
cache is empty, that is nearly every file of a build: the deploy reads the HTML, the manifests
and what is new (.github/workflows/sync.yaml turns it on).

Off, every file is read (or found in the MD5 cache), so a bundle rewritten in place at the same
size after the build (a placeholder replaced by a deploy script) is still caught; ``--force``
reads everything either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from .model import LocalFile, RemoteObject

PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")  # a multipart ETag ends in -<parts> and is no MD5


def awaiting_listing(files: Sequence[LocalFile], signatures: Sequence[str], known: Mapping[str, str],
                     is_hashed: Callable[[str], bool]) -> list[int]:
    """Indexes of the content-hashed files the MD5 cache does not know: hashed only if the
    listing cannot vouch for them (the rest is hashed while the listing runs)."""
    return [i for i, (f, sig) in enumerate(zip(files, signatures, strict=True))
            if sig not in known and is_hashed(f.rel)]


def vouched(files: Sequence[LocalFile], indexes: Iterable[int], remote: Mapping[str, RemoteObject]) -> dict[int, str]:
    """Index → MD5 (the object's ETag) for the files among ``indexes`` whose key the bucket
    holds at the same size with an MD5 ETag."""
    found: dict[int, str] = {}
    for i in indexes:
        f = files[i]
        obj = remote.get(f.key)
        if obj is not None and obj.size == f.size and PLAIN_MD5.fullmatch(obj.etag):
            found[i] = obj.etag
    return found
