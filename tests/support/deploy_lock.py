"""Is requirements/deploy.txt (the deploy jobs' hashed lock) in step with pyproject.toml?

The lock is what `.github/workflows/sync.yaml` installs with `pip install --require-hashes`:
the toolkit's runtime dependencies plus its build backend (the ``deploy-build`` dependency
group), every transitive package pinned with its hashes. This check is offline and only reads
the two files, so a new release on PyPI never fails it; that the lock is complete (every
transitive dependency present, every hash right) is proven by installing it: `nox -s deploy_lock`.

    python -m tests.support.deploy_lock      # exit 1 and the regenerate command when out of step
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path("requirements") / "deploy.txt"
BUILD_GROUP = "deploy-build"
# The command that writes the lock, recorded in its header (uv's `--custom-compile-command`,
# so extra flags such as --upgrade do not change it; Dependabot re-runs it to update the lock).
COMPILE_COMMAND = (
    f"uv pip compile pyproject.toml --group {BUILD_GROUP} --universal --python-version 3.11"
    f" --generate-hashes -o {LOCK}"
)
REGENERATE = "nox -s lock"
PROJECT_VIA = "cruddur-ops (pyproject.toml)"
GROUP_VIA = f"cruddur-ops (pyproject.toml:{BUILD_GROUP})"


@dataclass
class Pin:
    name: str
    version: str
    marker: str
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


def parse_lock(text: str) -> tuple[list[str], list[Pin]]:
    """The header comment lines and the pins of a `uv pip compile --generate-hashes` file."""
    header: list[str] = []
    pins: list[Pin] = []
    in_via = False
    for raw in text.splitlines():
        line = raw.rstrip().removesuffix("\\").rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        if not raw[:1].isspace():
            in_via = False
            if stripped.startswith("#"):
                if not pins:
                    header.append(stripped)
                continue
            if stripped.startswith("-"):
                raise ValueError(f"unexpected option line: {raw!r}")
            try:
                requirement = Requirement(stripped)
            except InvalidRequirement as exc:
                raise ValueError(f"not a requirement: {raw!r}") from exc
            exact = [s.version for s in requirement.specifier if s.operator == "=="]
            version = exact[0] if len(exact) == 1 and len(requirement.specifier) == 1 else ""
            pins.append(Pin(canonicalize_name(requirement.name), version, str(requirement.marker or "")))
            continue
        if not pins:
            raise ValueError(f"indented line before any requirement: {raw!r}")
        pin = pins[-1]
        if stripped.startswith("--hash="):
            pin.hashes.append(stripped.removeprefix("--hash="))
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                pin.via.append(rest)
        elif stripped.startswith("#") and in_via:
            pin.via.append(stripped.lstrip("#").strip())
        elif not stripped.startswith("#"):
            raise ValueError(f"unexpected line in the lock: {raw!r}")
    return header, pins


def problems(root: Path = ROOT) -> list[str]:
    """Everything that makes the lock disagree with pyproject.toml (empty: in step)."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    lock_path = root / LOCK
    if not lock_path.is_file():
        return [f"{LOCK} does not exist"]
    try:
        header, pins = parse_lock(lock_path.read_text())
    except ValueError as exc:
        return [f"{LOCK} cannot be read: {exc}"]

    found: list[str] = []
    if f"#    {COMPILE_COMMAND}" not in header:
        found.append(f"its header does not record the command `{COMPILE_COMMAND}`")

    build_requires = project.get("build-system", {}).get("requires", [])
    group = project.get("dependency-groups", {}).get(BUILD_GROUP, [])
    if {str(Requirement(r)) for r in group} != {str(Requirement(r)) for r in build_requires}:
        found.append(f"[dependency-groups] {BUILD_GROUP} = {group} differs from [build-system] requires = "
                     f"{build_requires} (edit pyproject.toml so they are equal)")

    by_name: dict[str, list[Pin]] = {}
    for pin in pins:
        by_name.setdefault(pin.name, []).append(pin)
        if not pin.version:
            found.append(f"{pin.name}: not pinned with ==")
        if not pin.hashes or not all(h.startswith("sha256:") for h in pin.hashes):
            found.append(f"{pin.name}: no sha256 hashes")

    direct = {
        PROJECT_VIA: [Requirement(r) for r in project["project"].get("dependencies", [])],
        GROUP_VIA: [Requirement(r) for r in group],
    }
    for via, requirements in direct.items():
        wanted = {canonicalize_name(r.name) for r in requirements}
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            locked = by_name.get(name, [])
            if not locked:
                found.append(f"{name}: required by pyproject.toml ({requirement}) but not in the lock")
                continue
            for pin in locked:
                if pin.version and not requirement.specifier.contains(Version(pin.version), prereleases=True):
                    found.append(f"{name}: locked at {pin.version}, outside pyproject.toml's {requirement}")
                if via not in pin.via:
                    found.append(f"{name}: in pyproject.toml ({requirement}) but the lock does not list it as "
                                 f"required by {via}")
        for pin in pins:
            if via in pin.via and pin.name not in wanted:
                found.append(f"{pin.name}: the lock lists it as required by {via}, which no longer requires it")
    return found


def report(found: list[str]) -> str:
    lines = [f"{LOCK} is out of step with pyproject.toml:"]
    lines += [f"  - {problem}" for problem in found]
    lines += [
        "Regenerate it (keeps every other pin, writes the hashes) with:",
        f"  {REGENERATE}",
        "which runs:",
        f"  {COMPILE_COMMAND}",
    ]
    return "\n".join(lines)


def main() -> int:
    found = problems()
    if found:
        print(report(found), file=sys.stderr)
        return 1
    print(f"{LOCK} is in step with pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
