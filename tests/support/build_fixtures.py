"""Recorded file lists of real bundler builds (tests/fixtures/bundlers/*.json): record one from
a build folder, load it, and lay it out again as a build folder for the sync to walk.

A fixture keeps each file's path, size and first bytes (not the bundle), and the full text of
the bundler manifests the sync reads, so a test sees the names, types and manifests of a real
build. Record: ``python -m tests.support.build_fixtures BUILD_DIR NAME --bundler TEXT --made-with
CMD [--made-with CMD …]`` from the repository root.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bundlers"
HEAD_BYTES = 24
KEPT_IN_FULL = (".vite/manifest.json", "manifest.json", "asset-manifest.json")


@dataclass(frozen=True)
class BuildFixture:
    name: str
    bundler: str
    made_with: tuple[str, ...]
    files: dict[str, tuple[int, bytes]]  # path → (size in the real build, first bytes)
    contents: dict[str, str]  # manifests, in full

    def materialise(self, folder: Path) -> Path:
        """Write the build out again: manifests in full, every other file as its first bytes."""
        for rel, (_, head) in self.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.contents[rel].encode() if rel in self.contents else head)
        return folder


def record(build_dir: Path, name: str, *, bundler: str, made_with: list[str]) -> Path:
    files = {}
    contents = {}
    for dirpath, _, filenames in os.walk(build_dir):
        for filename in filenames:
            path = Path(dirpath, filename)
            rel = path.relative_to(build_dir).as_posix()
            data = path.read_bytes()
            files[rel] = {"size": len(data), "head": base64.b64encode(data[:HEAD_BYTES]).decode()}
            if rel in KEPT_IN_FULL:
                contents[rel] = data.decode("utf-8")
    out = FIXTURES / f"{name}.json"
    document = {"bundler": bundler, "made_with": made_with,
                "files": dict(sorted(files.items())), "contents": contents}
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def load(name: str) -> BuildFixture:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return BuildFixture(
        name=name, bundler=data["bundler"], made_with=tuple(data["made_with"]),
        files={rel: (f["size"], base64.b64decode(f["head"])) for rel, f in data["files"].items()},
        contents=data["contents"],
    )


def names() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("name")
    parser.add_argument("--bundler", required=True)
    parser.add_argument("--made-with", action="append", required=True)
    args = parser.parse_args()
    print(record(args.build_dir, args.name, bundler=args.bundler, made_with=args.made_with))


if __name__ == "__main__":
    main()
