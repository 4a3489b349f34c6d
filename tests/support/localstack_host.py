"""Run LocalStack community on the host, without Docker, for tests.

The Docker image cannot be used on this project's machines (no Docker engine), but the
``localstack-core`` wheel from PyPI runs as a plain Python process:
``python -m localstack.runtime.main``. That runtime needs Python >= 3.12 (it uses PEP 695
syntax although its metadata claims 3.10), so it usually lives in its *own* virtualenv and
is started as a subprocess; this module only uses the standard library so that it can be
imported from a test run under any Python >= 3.11 (the interpreter running the tests does
not need LocalStack installed).

Install recipe for the LocalStack interpreter (Python 3.12+; measured ~10 s with uv, ~80 s
with pip)::

    uv venv -p python3.13 .venv-localstack
    uv pip install -p .venv-localstack/bin/python 'localstack-core[runtime]==2026.3.0' \
        'cbor2<6' 'pyopenssl==25.3.0' 'cryptography>=45.0.7,<47' service_identity

Typical use::

    with start_localstack(log_path=tmp_path / "localstack.log") as ls:
        s3 = boto3.client("s3", endpoint_url=ls.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")

No pytest dependency on purpose: fixtures wrap it, scripts can use it directly.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

__all__ = [
    "DEFAULT_SERVICES",
    "LocalStackProcess",
    "find_localstack_python",
    "free_port",
    "start_localstack",
]

#: Services the project's tests use. CloudFront is deliberately absent: LocalStack community
#: does not emulate it (every call answers HTTP 501 ``InternalFailure``), use moto for it.
DEFAULT_SERVICES: tuple[str, ...] = (
    "s3",
    "sts",
    "iam",
    "ssm",
    "secretsmanager",
    "ec2",
    "cloudformation",
)

#: Env var a developer or CI can set to the interpreter of a LocalStack venv.
LOCALSTACK_PYTHON_ENV = "LOCALSTACK_PYTHON"

# Where the project keeps its scratch LocalStack venv (not committed); tried last.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_FALLBACK_PYTHONS = (
    _REPO_ROOT / ".scratch-localstack" / "venv" / "bin" / "python",
    _REPO_ROOT / ".venv-localstack" / "bin" / "python",
)

# Probe run by a candidate interpreter. `localstack` is a namespace package (no __init__),
# so `import localstack` alone proves nothing; look for the runtime entry point instead,
# and require 3.12+ because the runtime does not import on 3.11 (it then fails much later
# with the misleading "No component plugins found in namespace localstack.runtime.components").
_PROBE = (
    "import sys, importlib.util as u; "
    "sys.exit(0 if sys.version_info >= (3, 12) and u.find_spec('localstack.runtime.main') else 1)"
)

_HEALTH_PATH = "/_localstack/health"
_READY_PATH = "/_localstack/init/ready"
_READY_STATES = frozenset({"available", "running"})
# Log lines meaning the gateway could not bind its port. LocalStack logs the traceback and
# then carries on ("Ready.") without a listener; worse, if the port belongs to another
# LocalStack, the health check would be answered by *that* one. So these fail the start.
_BIND_ERRORS = ("CannotListenError", "Address already in use")
# The runtime prints this line once its gateway was started and the READY stage ran.
_READY_LINE = "Ready."

# Env var naming the S3 spill folder for the bootstrap below.
_S3_DIR_ENV = "CRUDDUR_LOCALSTACK_S3_DIR"
# Child entry point: `python -m localstack.runtime.main`, after one fix. LocalStack's S3
# keeps object bodies over 512 KiB and multipart parts under a *hard-coded*
# /tmp/localstack-s3-storage/<bucket>, shared by every instance on the machine and never
# cleaned: one instance deleting a bucket removes the folder under another instance's bucket
# of the same name, whose next large PUT then fails with 500 InternalError (seen here).
# Point it inside this instance's root instead. Guarded, so another LocalStack version
# without that constant still starts (only without the fix).
_BOOTSTRAP = f"""
import os, runpy
try:
    import localstack.services.s3.provider as s3_provider
except Exception:
    s3_provider = None
if s3_provider is not None and hasattr(s3_provider, "DEFAULT_S3_TMP_DIR"):
    s3_provider.DEFAULT_S3_TMP_DIR = os.environ["{_S3_DIR_ENV}"]
runpy.run_module("localstack.runtime.main", run_name="__main__", alter_sys=True)
"""


def _can_run_localstack(python: str | os.PathLike[str]) -> bool:
    """True if ``python`` is an interpreter that can run the LocalStack runtime."""
    try:
        proc = subprocess.run(
            [os.fspath(python), "-c", _PROBE],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_clean_python_env(os.environ),
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def find_localstack_python() -> str | None:
    """Return the path of a Python interpreter that can run LocalStack, or None.

    Candidates, first usable wins:
    1. ``$LOCALSTACK_PYTHON`` (an explicit choice; if it is set but unusable we return None
       rather than silently falling back, so a misconfiguration is noticed);
    2. ``sys.executable`` (when the tests themselves run in the LocalStack venv);
    3. the repository's ``.scratch-localstack/venv`` or ``.venv-localstack``.
    """
    explicit = os.environ.get(LOCALSTACK_PYTHON_ENV, "").strip()
    if explicit:
        resolved = shutil.which(explicit) or explicit
        return resolved if _can_run_localstack(resolved) else None

    candidates: list[str] = []
    if sys.executable:
        candidates.append(sys.executable)
    candidates.extend(str(p) for p in _FALLBACK_PYTHONS if p.exists())
    for candidate in candidates:
        if _can_run_localstack(candidate):
            return candidate
    return None


def free_port() -> int:
    """Return a TCP port that is free right now.

    Racy by nature (another process may take it before LocalStack binds it); the start-up
    check turns such a race into a clear error instead of a hang. We probe the wildcard
    address because LocalStack's default (twisted) gateway binds 0.0.0.0 whatever host
    GATEWAY_LISTEN names, so the port must be free on every interface.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _clean_python_env(base: Mapping[str, str]) -> dict[str, str]:
    """Copy ``base`` without variables that would make another interpreter import the
    test runner's packages (e.g. nox/pytest under 3.11 setting PYTHONPATH)."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__"}
    return {k: v for k, v in base.items() if k not in drop}


def _localstack_env(
    port: int,
    root: Path,
    services: Iterable[str],
    eager: bool,
    extra_env: Mapping[str, str] | None,
) -> dict[str, str]:
    """Environment for the LocalStack child process, and why each setting is there."""
    env = _clean_python_env(os.environ)
    # The server must not pick up the test run's AWS settings: an AWS_PROFILE that does not
    # exist, or an AWS_ENDPOINT_URL aimed at moto, would break LocalStack's internal boto
    # clients (CloudFormation deploys resources through them).
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]
    # Developer-level LocalStack settings that would break isolation between runs.
    for key in ("PERSISTENCE", "DATA_DIR", "LOCALSTACK_VOLUME_DIR", "LOCALSTACK_AUTH_TOKEN"):
        env.pop(key, None)

    env.update(
        {
            # Listen on loopback only, on our port. (The twisted gateway still binds 0.0.0.0
            # for IPv4; GATEWAY_SERVER=hypercorn honours the host if that ever matters.)
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            # URLs LocalStack hands out (queue URLs, stack outputs...) should point at us,
            # not at localhost.localstack.cloud, which needs public DNS to resolve.
            "LOCALSTACK_HOST": f"127.0.0.1:{port}",
            # These machines have /.dockerenv, so LocalStack believes it runs in its own
            # container: it would then write to /var/lib, /etc and /usr/lib/localstack,
            # ping the Docker bridge IPs at import time (where `ping` is installed), and its
            # DNS server, if it started, would rewrite /etc/resolv.conf. Force host mode.
            "OVERRIDE_IN_DOCKER": "0",
            # Host mode keeps every directory (state, cache, certs, logs) under this root,
            # so instances do not share state and cleanup is one rmtree. (Not TMPDIR: the
            # runtime flags it as deprecated and nests the root path inside itself.)
            "FILESYSTEM_ROOT": str(root),
            _S3_DIR_ENV: str(root / "s3-storage"),
            # No DNS server: it would try to bind port 53 (clashing between instances) and
            # look up localstack.cloud through the host resolver to find an upstream.
            "DNS_ADDRESS": "0",
            # No analytics events and no download of the signed TLS certificate: there is
            # no internet here, and both only cost time.
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            # An unsupported call (any CloudFront request) makes LocalStack fetch its service
            # catalog from api.localstack.cloud; point that at a closed loopback port so it
            # fails at once, without even a DNS lookup. Same for the analytics endpoint.
            "API_ENDPOINT": "http://127.0.0.1:1/v1",
            "ANALYTICS_API": "http://127.0.0.1:1/v1",
            # Only what the tests use; STRICT_SERVICE_LOADING (default on) refuses the rest.
            "SERVICES": ",".join(services),
            # Start services at boot instead of on first request: the first S3/SSM/EC2 call
            # otherwise takes 2-6 s, which looks like a hang inside a test.
            "EAGER_SERVICE_LOADING": "1" if eager else "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if extra_env:
        env.update(extra_env)
    return env


def _get_json(url: str, timeout: float) -> dict[str, object] | None:
    """GET ``url`` and decode JSON; None while the server is not answering yet."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # loopback only
            data = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError):  # URLError, ConnectionRefused, timeouts, bad JSON
        return None
    return data if isinstance(data, dict) else None


def _read_log(path: Path, offset: int) -> str:
    """This run's part of the log (the file is appended to, so skip what was there)."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"<log not readable: {exc}>"


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


class LocalStackProcess:
    """A running LocalStack runtime started by :func:`start_localstack`.

    ``endpoint_url`` is what boto3 wants. ``stop()`` is idempotent; the object is a context
    manager that stops on exit.
    """

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        port: int,
        root: Path,
        log_path: Path,
        *,
        remove_root: bool,
        log_file: IO[bytes],
        log_offset: int = 0,
    ) -> None:
        self.proc = proc
        self.port = port
        self.root = root
        self.log_path = log_path
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._remove_root = remove_root
        self._log_file = log_file
        self._log_offset = log_offset
        self.health: dict[str, object] = {}

    @property
    def pid(self) -> int:
        return self.proc.pid

    def is_running(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        """What this run wrote to ``log_path`` so far."""
        return _read_log(self.log_path, self._log_offset)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop LocalStack and everything it spawned, then delete its state folder.

        SIGTERM first: the runtime traps it and shuts services down (2-5 s, 14 s on a busy
        machine). The whole
        process group is signalled because services may start helper processes. SIGKILL
        after ``timeout`` so a test session can never hang on teardown.
        """
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Children that outlived the leader (same group id) are ended too.
        self._signal_group(signal.SIGKILL)
        self._log_file.close()
        if self._remove_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _signal_group(self, sig: signal.Signals) -> None:
        # start_new_session=True made the child a group leader: its pgid is its pid. We
        # signal that group only, never anything found by name.
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> LocalStackProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else f"exited({self.proc.returncode})"
        return f"<LocalStackProcess pid={self.pid} {self.endpoint_url} {state}>"


def start_localstack(
    port: int | None = None,
    *,
    python: str | None = None,
    log_path: Path,
    services: Iterable[str] = DEFAULT_SERVICES,
    state_dir: Path | None = None,
    eager: bool = True,
    timeout: float = 120.0,
    extra_env: Mapping[str, str] | None = None,
) -> LocalStackProcess:
    """Start the LocalStack runtime (``python -m localstack.runtime.main``, via a small
    bootstrap, see ``_BOOTSTRAP``) and wait until it serves ``services``.

    :param port: TCP port for the gateway; a free one if None.
    :param python: interpreter with localstack-core installed; :func:`find_localstack_python` if None.
    :param log_path: file receiving the runtime's stdout and stderr (appended to).
    :param services: AWS services to enable; each must show up as available/running in
        ``/_localstack/health``. A service LocalStack community lacks (e.g. ``cloudfront``)
        makes this fail fast instead of waiting for the timeout.
    :param state_dir: folder for all LocalStack files; a fresh temp folder (deleted on stop)
        if None. A given folder is kept.
    :param eager: start the services at boot (slower start, no multi-second first call).
        Measured on 2 cores: eager ready in ~14 s, lazy in ~6 s plus 1-4 s on the first
        call to each service; 40 s eager when the machine was busy with other test runs.
    :param timeout: seconds to wait for readiness (generous: see the numbers above).
    :param extra_env: more environment for the child (e.g. ``{"DEBUG": "1"}``), applied last.
    :raises RuntimeError: no usable interpreter, early exit, or not ready in time; the
        message carries the tail of the log.
    """
    services = tuple(dict.fromkeys(s.strip().lower() for s in services if s.strip()))
    if not services:
        raise ValueError("services must name at least one AWS service")
    python = python or find_localstack_python()
    if python is None:
        explicit = os.environ.get(LOCALSTACK_PYTHON_ENV, "").strip()
        raise RuntimeError(
            f"{LOCALSTACK_PYTHON_ENV}={explicit!r} cannot run LocalStack (needs Python >= 3.12 "
            "with 'localstack-core[runtime]' installed)"
            if explicit
            else "no Python >= 3.12 with localstack-core found: set "
            f"{LOCALSTACK_PYTHON_ENV} to the interpreter of a venv with "
            "'localstack-core[runtime]' installed"
        )
    # Absolute, because the child runs with cwd=root. abspath, not resolve(): a venv's
    # python is a symlink and must keep its venv path to find its site-packages.
    python = os.path.abspath(shutil.which(python) or python)
    if port is None:
        port = free_port()
    elif not _port_is_free(port):
        # Fail before starting: another server there would answer our health checks.
        raise RuntimeError(f"port {port} is already in use; pass another or None for a free one")

    remove_root = state_dir is None
    root = (
        Path(tempfile.mkdtemp(prefix=f"localstack-{port}-"))
        if state_dir is None
        else Path(state_dir)
    )
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()

    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    log_offset = log_file.tell()
    env = _localstack_env(port, root, services, eager, extra_env)
    try:
        proc = subprocess.Popen(
            [python, "-c", _BOOTSTRAP],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,  # nothing it writes relative to cwd lands in the work tree
            start_new_session=True,  # own process group, so stop() can end all of it
        )
    except OSError as exc:
        log_file.close()
        if remove_root:
            shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start LocalStack with {python!r}: {exc}") from exc

    ls = LocalStackProcess(
        proc,
        port,
        root,
        log_path,
        remove_root=remove_root,
        log_file=log_file,
        log_offset=log_offset,
    )
    try:
        ls.health = _wait_ready(ls, services, timeout)
    except BaseException:
        ls.stop()
        raise
    return ls


def _wait_ready(
    ls: LocalStackProcess, services: tuple[str, ...], timeout: float
) -> dict[str, object]:
    """Poll the health and init endpoints until ready; return the last health document.

    Ready means: the READY init stage completed (what the official image's health check
    waits for) and every requested service is 'available' (lazy) or 'running' (eager).
    """
    deadline = time.monotonic() + timeout
    last: dict[str, object] | None = None
    while True:
        code = ls.proc.poll()
        if code is not None:
            raise RuntimeError(
                f"LocalStack exited with code {code} before it was ready "
                f"(log {ls.log_path}):\n{_tail(ls.log_text())}"
            )
        log = ls.log_text()
        if any(marker in log for marker in _BIND_ERRORS):
            raise RuntimeError(
                f"LocalStack could not listen on port {ls.port} (in use?) "
                f"(log {ls.log_path}):\n{_tail(log)}"
            )
        health = _get_json(ls.endpoint_url + _HEALTH_PATH, timeout=2)
        if health is not None:
            last = health
            states = health.get("services")
            states = states if isinstance(states, dict) else {}
            missing = [s for s in services if s not in states]
            failed = [s for s in services if states.get(s) == "error"]
            if missing:
                # Health lists every service this build knows, from the first answer on,
                # so a missing name will never appear: fail now, not at the deadline.
                raise RuntimeError(
                    f"LocalStack at {ls.endpoint_url} does not provide {', '.join(missing)} "
                    f"(community edition lacks e.g. cloudfront); health: {json.dumps(health)}"
                )
            if failed:
                raise RuntimeError(
                    f"LocalStack services failed to start: {', '.join(failed)} "
                    f"(log {ls.log_path}):\n{_tail(ls.log_text())}"
                )
            ready = _get_json(ls.endpoint_url + _READY_PATH, timeout=2)
            if (
                ready is not None
                and ready.get("completed") is True
                and all(states.get(s) in _READY_STATES for s in services)
            ):
                # The answer may come from another server on the port: only trust it once
                # *our* process printed "Ready." (after its own bind attempt) and logged
                # no bind error.
                log = ls.log_text()
                if _READY_LINE in log.splitlines() and not any(m in log for m in _BIND_ERRORS):
                    return health
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"LocalStack at {ls.endpoint_url} not ready after {timeout:.0f} s; "
                f"last health: {json.dumps(last)}\n(log {ls.log_path}):\n{_tail(ls.log_text())}"
            )
        time.sleep(0.2)
