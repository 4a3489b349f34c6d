"""A deterministic synthetic React-style build: content-hashed asset names, a realistic size mix.

Default mix for N files: a handful of unhashed root files (index.html, manifest.json, ...),
two files over 8 MB (above every tool's multipart threshold of 8 MB), ~6 % between 100 KB and
1 MB (source maps, images), the rest 1–20 KB (JS chunks, CSS, SVG, fonts). Same seed, same bytes.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

KB = 1024
MB = 1024 * KB

ROOT_FILES = ("index.html", "asset-manifest.json", "manifest.json", "robots.txt",
              "favicon.ico", "logo192.png", "logo512.png")
WORDS = ("const", "function", "return", "export", "import", "default", "useState", "props",
         "React", "createElement", "className", "div", "span", "onClick", "null", "undefined",
         "Promise", "async", "await", "fetch", "cruddur", "activity", "message", "handle")


def _corpus(rng: random.Random, size: int) -> bytes:
    """JS-looking text (compressible like real bundles), built once and sliced per file."""
    words = [rng.choice(WORDS) for _ in range(size // 6)]
    text = " ".join(words).encode()
    text = text.replace(b"handle ", b"handle(){\n")
    return text[:size]


@dataclass
class SyntheticBuild:
    """Files of the build kept in memory so any state can be re-created exactly."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    index_variants: tuple[bytes, bytes] = (b"", b"")
    deletable: list[str] = field(default_factory=list)  # hashed assets, never root/big files

    @property
    def total_bytes(self) -> int:
        return sum(len(b) for b in self.files.values())

    def size_mix(self) -> dict[str, int]:
        mix = {"<= 20 KB": 0, "20 KB–1 MB": 0, "> 8 MB": 0}
        for data in self.files.values():
            if len(data) > 8 * MB:
                mix["> 8 MB"] += 1
            elif len(data) > 20 * KB:
                mix["20 KB–1 MB"] += 1
            else:
                mix["<= 20 KB"] += 1
        return mix

    # -- states of the local build --------------------------------------------------------
    def write_all(self) -> None:
        """Base state: exactly the generated files, nothing else (like a fresh `npm run build`)."""
        if self.root.exists():
            shutil.rmtree(self.root)
        for key, data in self.files.items():
            _write(self.root / key, data)

    def rewrite_identical(self) -> None:
        """A rebuild: every file replaced by a new file with the same bytes and a new mtime."""
        for key, data in self.files.items():
            path = self.root / key
            tmp = path.with_name(path.name + ".rebuild")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def set_index_variant(self, which: int) -> None:
        """Variant 0 is the generated index.html, variant 1 a one-line edit (different size)."""
        _write(self.root / "index.html", self.index_variants[which])

    def delete_local(self, keys: list[str]) -> None:
        for key in keys:
            (self.root / key).unlink()

    def restore_local(self, keys: list[str]) -> None:
        for key in keys:
            _write(self.root / key, self.files[key])


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _hashed(folder: str, stem: str, ext: str, data: bytes) -> str:
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()[:8]
    return f"{folder}/{stem}.{digest}{ext}"


def generate(root: Path, n_files: int, seed: int = 42, big_files: int = 2) -> SyntheticBuild:
    """Generate the build in memory (call ``write_all`` to put it on disk). ``big_files``: how
    many of the two files over 8 MB to include (a small app has none)."""
    if n_files < 20:
        raise ValueError("need at least 20 files for a meaningful mix")
    rng = random.Random(seed)
    corpus = _corpus(rng, 2 * MB)
    build = SyntheticBuild(root=root)

    def text(size: int, label: str) -> bytes:
        body = b""
        while len(body) < size:  # big files: several slices of the 2 MB corpus
            start = rng.randrange(0, len(corpus) // 2)
            body += corpus[start:start + size - len(body)]
        header = f"/*! {label} seed={seed} */\n".encode()
        return (header + body)[:size] if size > len(header) else header

    def binary(size: int, label: str) -> bytes:
        header = f"BIN {label} seed={seed}\n".encode()
        return header + rng.randbytes(max(0, size - len(header)))

    n_big = max(0, min(2, big_files))
    n_medium = max(2, round(n_files * 0.06))
    n_small = n_files - len(ROOT_FILES) - n_big - n_medium

    hashed: list[str] = []
    # two files over 8 MB: a video and a vendor source map
    for i, (folder, stem, ext, maker) in enumerate((
            ("static/media", "intro", ".mp4", binary),
            ("static/js", "vendor", ".js.map", text))[:n_big]):
        data = maker(rng.randrange(int(8.5 * MB), 12 * MB), f"big{i}")
        key = _hashed(folder, stem, ext, data)
        build.files[key] = data
    for i in range(n_medium):
        size = rng.randrange(100 * KB, 1 * MB)
        if i % 2:
            data = binary(size, f"medium{i}")
            key = _hashed("static/media", f"photo-{i}", rng.choice((".png", ".jpg")), data)
        else:
            data = text(size, f"medium{i}")
            key = _hashed("static/js", f"{i}", ".chunk.js.map", data)
        build.files[key] = data
        hashed.append(key)
    small_kinds = (("static/js", ".chunk.js", text), ("static/css", ".chunk.css", text),
                   ("static/media", ".svg", text), ("static/media", ".woff2", binary))
    for i in range(n_small):
        folder, ext, maker = small_kinds[i % 4] if i % 3 else small_kinds[0]
        data = maker(rng.randrange(1 * KB, 20 * KB), f"small{i}")
        key = _hashed(folder, f"{i}", ext, data)
        build.files[key] = data
        hashed.append(key)

    js = sorted(k for k in build.files if k.endswith(".chunk.js"))[:3]
    css = sorted(k for k in build.files if k.endswith(".css"))[:1]
    tags = "".join(f'<script defer src="/{k}"></script>' for k in js)
    tags += "".join(f'<link href="/{k}" rel="stylesheet">' for k in css)
    index = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cruddur</title>'
             f"{tags}</head><body><div id=\"root\"></div></body></html>\n").encode()
    build.index_variants = (index, index.replace(b"</body>", b"<!-- edited --></body>"))
    build.files["index.html"] = index
    build.files["asset-manifest.json"] = (
        "{\n" + ",\n".join(f'  "{k}": "/{k}"' for k in sorted(build.files)) + "\n}\n").encode()
    build.files["manifest.json"] = b'{"short_name": "Cruddur", "start_url": "."}\n'
    build.files["robots.txt"] = b"User-agent: *\nDisallow:\n"
    build.files["favicon.ico"] = binary(3870, "favicon")
    build.files["logo192.png"] = binary(5347, "logo192")
    build.files["logo512.png"] = binary(9664, "logo512")
    build.deletable = sorted(hashed)
    return build


def pick_deletions(build: SyntheticBuild, count: int, seed: int) -> list[str]:
    return sorted(random.Random(seed + 1).sample(build.deletable, min(count, len(build.deletable))))
