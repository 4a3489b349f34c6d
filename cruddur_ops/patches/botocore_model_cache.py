"""botocore's JSON data files, kept parsed in a cache so a new process does not parse them again.

Every process that creates a client parses botocore's JSON: ``endpoints.json`` (1.2 MB) once,
then per service its model (``s3``: 1.4 MB, gzipped on disk) and endpoint rules (0.9 MB).
botocore parses them with ``object_pairs_hook=OrderedDict``: 48 ms of the S3 client's ~60 ms,
62 ms with CloudFront's model too, against 11 ms to read the same data back with ``marshal``
(measured in benchmarks/ANALYSIS.md). That is most of a client's creation, on the critical
path of every task that talks to AWS.

The cache is what ``__pycache__`` is for modules: one file per source file, in the user's
cache folder (``$XDG_CACHE_HOME/cruddur-ops/botocore``, ``CRUDDUR_OPS_MODEL_CACHE`` names
another folder or ``off`` turns it off), written atomically with mode 0600 and without fsync (an
entry that a crash lost or left empty fails its checks below and is reparsed; the fsyncs were
~4 ms of the ~8 ms a fresh cache folder costs to fill, measured in benchmarks/ANALYSIS.md), in ``marshal``
format, which is the format Python trusts for its own bytecode cache. An entry is used only
when the source file's stat signature (device, inode, size, mtime_ns, ctime_ns; ctime cannot be
set back from user space), the Python version and the CRC-32 of its body all match; anything
else means "parse the JSON" and rewrite the entry. A cache that cannot be read or written is
skipped: it is an optimisation only.

Parsed data is plain ``dict``, hit or miss, where botocore's own loader returns
``OrderedDict``: dicts keep insertion order, and botocore, boto3 and s3transfer never use an
OrderedDict-only method or type check (checked with grep on botocore 1.44).

Upstream: boto/botocore#3078 (load a service model once per process, open), boto/boto3#3061 and
boto/botocore#2553 (start-up time, mostly JSON parsing). Installed by botocore_loader, so it is
off whenever the patches are.
Tests: tests/unit/test_botocore_model_cache.py (hits, misses on any change of the source, damaged
and unwritable entries, the same models as botocore's own parsing); test_patches_switch.py (off:
no cache folder).
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import sys
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from botocore.loaders import JSONFileLoader

from ..cache_home import MODEL_CACHE_SETTING, model_cache_dir
from ..fsutil import SECRET_FILE_MODE, atomic_writer

FORMAT_VERSION = 1
MAGIC = f"cruddur-ops botocore model cache v{FORMAT_VERSION}\n".encode("ascii")
SETTING = MODEL_CACHE_SETTING
# marshal's format can change between Python versions; a cache written by another is a miss.
PYTHON_TAG = f"py{sys.version_info[0]}.{sys.version_info[1]}-m{marshal.version}"
# An entry: MAGIC, the signature line, the body's CRC-32 as 8 hex digits and a newline, the body.
CRC_LINE_BYTES = 9

log = logging.getLogger(__name__)


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The folder of the cache, from ``CRUDDUR_OPS_MODEL_CACHE`` / ``XDG_CACHE_HOME``; None = off."""
    return model_cache_dir(environ)


def parse(raw: bytes) -> Any:
    """A data file's JSON (UTF-8, as botocore reads it), as plain dicts and lists."""
    return json.loads(raw.decode("utf-8"))


def _signature(stat: os.stat_result) -> bytes:
    return (f"{PYTHON_TAG} {stat.st_dev:x}:{stat.st_ino:x}:{stat.st_size:x}:"
            f"{stat.st_mtime_ns:x}:{stat.st_ctime_ns:x}").encode("ascii")


class CachedJSONFileLoader(JSONFileLoader):
    """botocore's file loader (``.json`` and ``.json.gz`` files), reading through the cache."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entry_path(self, full_path: str) -> Path:
        return self.folder / hashlib.sha256(full_path.encode("utf-8")).hexdigest()[:32]

    def _load_file(self, full_path: str, open_method: Callable[..., IO[bytes]]) -> Any:
        try:
            signature = _signature(os.stat(full_path))
        except OSError:  # botocore tries .json, then .json.gz: a missing one is not an error
            return None
        entry = self.entry_path(full_path)
        data = self._read(entry, signature)
        if data is not None:
            return data
        with open_method(full_path, "rb") as handle:
            data = parse(handle.read())
        self._write(entry, signature, data)
        return data

    def _read(self, entry: Path, signature: bytes) -> Any:
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        head_end = len(MAGIC) + len(signature) + 1
        if not blob.startswith(MAGIC) or blob[len(MAGIC):head_end] != signature + b"\n":
            return None
        crc_end = head_end + CRC_LINE_BYTES
        body = memoryview(blob)[crc_end:]
        try:
            if int(blob[head_end:crc_end - 1], 16) != zlib.crc32(body):
                return None
            return marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            log.debug("botocore model cache %s is damaged; reparsing", entry)
            return None

    def _write(self, entry: Path, signature: bytes, data: Any) -> None:
        try:
            body = marshal.dumps(data)
            with atomic_writer(entry, mode=SECRET_FILE_MODE, durable=False) as handle:  # verified on read
                handle.write(MAGIC + signature + b"\n" + f"{zlib.crc32(body):08x}\n".encode("ascii"))
                handle.write(body)
        except (OSError, ValueError) as exc:
            log.debug("botocore model cache %s not written: %s", entry, exc)
