"""Measurements that run inside a fresh interpreter (so peak RSS is theirs alone), started by
cruddur_extra.py with the repository root on sys.path:

  probe.py hash BUILD_DIR LIST_FILE WORKERS  → cruddur_ops.sync.local.hash_files over the list
  probe.py plan N [SCENARIO]                 → cruddur_ops.sync.plan.build_plan on N files:
                                               "mostly-unchanged" (default) or "first-deploy"
                                               (an empty bucket: every file a create)

Prints one JSON object on stdout.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fallback_hash_files(root: Path, names: list[str], workers: int) -> list[str]:
    """hashlib with the same approach (1 MiB reads on a thread pool), for a checkout without
    cruddur_ops.sync."""
    from concurrent.futures import ThreadPoolExecutor

    def md5(path: Path) -> str:
        digest = hashlib.md5(usedforsecurity=False)
        with open(path, "rb", buffering=0) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda r: md5(root / r), names))


def _hasher(workers: int) -> tuple[Callable[[Path, list[str]], list[str]], str]:
    try:
        from cruddur_ops.sync.local import hash_files
    except ImportError:
        return (lambda root, names: _fallback_hash_files(root, names, workers),
                f"hashlib fallback (threads={workers})")
    return (lambda root, names: hash_files(root, names, workers=workers),
            f"cruddur_ops.sync.local.hash_files(workers={workers})")


def probe_hash(build_dir: str, list_file: str, workers: int) -> dict[str, object]:
    rels = [r for r in Path(list_file).read_text().split("\0") if r]
    hash_files, impl = _hasher(workers)
    start = time.perf_counter()
    digests = hash_files(Path(build_dir), rels)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "files": len(digests), "impl": impl,
            "digest_of_digests": hashlib.md5("".join(digests).encode()).hexdigest()}


def probe_plan(n: int, scenario: str = "mostly-unchanged") -> dict[str, object]:
    from cruddur_ops.sync.model import LocalFile, RemoteObject
    from cruddur_ops.sync.plan import PlanRules, build_plan

    baseline = rss_mb()
    files, remote = [], {}
    first_deploy = scenario == "first-deploy"
    for i in range(n):
        rel = f"static/js/{i % 97}/chunk-{i:07d}.{i * 2654435761 % (1 << 32):08x}.js"
        md5 = hashlib.md5(rel.encode()).hexdigest()
        size = 500 + i % 1500
        files.append(LocalFile(key=rel, rel=rel, size=size, md5=md5))
        bucket_md5 = md5 if i % 100 else "0" * 32  # 1 % updated
        if i % 200 != 1 and not first_deploy:  # 0.5 % new
            remote[rel] = RemoteObject(rel, size, bucket_md5)
    for i in range(0 if first_deploy else n // 200):  # 0.5 % gone from the build
        key = f"static/js/old/chunk-{i:07d}.js"
        remote[key] = RemoteObject(key, 100, hashlib.md5(key.encode()).hexdigest())
    inputs_rss = rss_mb()
    start = time.perf_counter()
    plan = build_plan(files, remote, bucket="bench", rules=PlanRules())
    seconds = time.perf_counter() - start
    return {"files": n, "scenario": scenario, "seconds": seconds, "peak_rss_mb": rss_mb(), "baseline_rss_mb": baseline,
            "inputs_rss_mb": inputs_rss, "items": len(plan.items),
            "changes": {a: plan.count(a) for a in ("create", "update", "delete")}}


def main() -> int:
    mode, *args = sys.argv[1:]
    if mode == "hash":
        result = probe_hash(args[0], args[1], int(args[2]))
    elif mode == "plan":
        result = probe_plan(int(args[0]), *args[1:2])
    else:
        print(f"unknown probe {mode!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
