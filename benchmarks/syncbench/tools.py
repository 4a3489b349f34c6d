"""One adapter per sync tool: is it installed, its version, and the command + environment of one
sync through the counting proxy. Each tool runs with its defaults except what the emulator needs
(endpoint, path-style, fake credentials) and what makes it a *sync with deletes*."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .emulator import FAKE_CREDENTIALS

# Variables that would leak the operator's real AWS/rclone/sync setup into a benchmark run.
SCRUBBED_PREFIXES = ("AWS_", "RCLONE_", "SYNC_", "BOTO_", "S3CMD")


def base_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    empty = workdir / "empty.conf"
    empty.touch()
    # Python tools keep their bytecode cache, as on a user's machine (this project's machines set
    # PYTHONDONTWRITEBYTECODE=1, which would recompile an editable checkout on every run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    # Caches live in the run's workdir, not the operator's ~/.cache: a run's figures must not
    # depend on what earlier runs, tests or syncs left there (cruddur-ops' MD5 and botocore
    # model caches, rclone's cache folder).
    env["XDG_CACHE_HOME"] = str(workdir / "cache")
    env.update(FAKE_CREDENTIALS)
    env.update({
        "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1", "TERM": "dumb",
    })
    return env  # AWS_CA_BUNDLE is gone with the AWS_ prefix: rclone fails with it set


def with_ca_bundle(env: dict[str, str], ca_bundle: str) -> dict[str, str]:
    """botocore-based tools take the bundle from AWS_CA_BUNDLE (set only for them: rclone's SDK
    reads the variable too, and gets its own flag)."""
    if ca_bundle:
        env["AWS_CA_BUNDLE"] = ca_bundle
    return env


def script_interpreter(script: str | None) -> str | None:
    """The Python that a script's shebang names (`#!/usr/bin/python3`, `#!/usr/bin/env python3`),
    or None for a native binary or another language."""
    if not script:
        return None
    try:
        with open(script, "rb") as handle:
            first = handle.readline(256)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode(errors="replace").split()
    if words and Path(words[0]).name == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
        found = shutil.which(words[0]) if words else None
        words = [found] if found else []
    return words[0] if words and Path(words[0]).name.startswith("python") else None


@functools.cache  # cruddur-ops and aws s3 sync share the harness's interpreter: ask it once
def python_version(executable: str) -> str:
    return _first_line([executable, "-c", "import platform; print(platform.python_version())"])


@functools.cache
def _imports(python: str, module: str) -> bool:
    """Whether ``python`` can import ``module`` (asked once per interpreter and module)."""
    if python == sys.executable:
        return importlib.util.find_spec(module) is not None
    probe = subprocess.run([python, "-c", f"import importlib.util as u; "
                            f"raise SystemExit(u.find_spec({module!r}) is None)"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


@functools.cache
def _site_packages(python: str) -> str:
    """The folders on ``python``'s path beyond its standard library (a distribution's
    dist-packages), for running one of its scripts on another interpreter."""
    if not python or not Path(python).exists():
        return ""
    return _first_line([python, "-c", "import sys; print(':'.join(p for p in sys.path "
                                      "if p.endswith(('site-packages', 'dist-packages'))))"])


def _first_line(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


@dataclass
class Tool:
    name: str
    workdir: Path
    endpoint_url: str = ""  # the counting proxy
    notes: list[str] = field(default_factory=list)
    ca_bundle: str = ""  # with --https: the CA bundle to trust (certifi's roots + the run's CA)
    # The Python that runs the Python tools (cruddur-ops, aws s3 sync, s3cmd): a run measures
    # them all on one interpreter build, and `nox -s bench` runs once per build.
    python: str = sys.executable
    cwd: Path | None = None  # where the tool is started (None: the harness's folder)

    def unavailable(self) -> str | None:
        """None when the tool can run, else the reason it is skipped."""
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def interpreter(self) -> str | None:
        """The Python executable that runs this tool, None for a native binary. Python tools'
        start-up depends on how that interpreter was built, so the report names it per tool."""
        return None

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


@dataclass
class CruddurOps(Tool):
    """`inv frontend.sync` through its real CLI, as a user runs it."""

    repo_root: Path = Path(".")
    distribution_id: str | None = None
    extra_flags: list[str] = field(default_factory=list)

    _help: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cwd = self.repo_root  # `inv frontend.sync` from the repository root, as users run it

    def _inv(self) -> list[str]:
        """The `inv` script of the interpreter's environment (what `pip install -e .` puts on
        PATH), else `python -m invoke`."""
        script = Path(self.python).with_name("inv")
        return [str(script)] if script.exists() else [self.python, "-m", "invoke"]

    def _invoke(self) -> list[str]:
        # for commands that may run from any folder (the plan probe)
        return [*self._inv(), "--search-root", str(self.repo_root)]

    def help_text(self, task: str = "frontend.sync") -> str:
        if task not in self._help:
            out = subprocess.run([*self._invoke(), "--help", task], capture_output=True,
                                 text=True, timeout=120, env=base_env(self.workdir))
            self._help[task] = out.stdout if out.returncode == 0 else ""
        return self._help[task]

    def unavailable(self) -> str | None:
        if not _imports(self.python, "invoke"):
            return f"invoke is not installed in {self.python}"
        if not self.help_text():
            return "`inv frontend.sync` does not exist yet in this checkout (see `inv --list`)"
        return None

    def interpreter(self) -> str | None:
        return self.python

    def plan_available(self) -> bool:
        return bool(self.help_text("frontend.plan"))

    def version(self) -> str:
        rev = _first_line(["git", "-C", str(self.repo_root), "rev-parse", "--short", "HEAD"])
        dirty = subprocess.run(["git", "-C", str(self.repo_root), "status", "--porcelain",
                                "--", "cruddur_ops"], capture_output=True, text=True).stdout
        return f"cruddur-ops @ {rev}{' + uncommitted changes' if dirty.strip() else ''}"

    def delete_cap_flags(self) -> list[str]:
        """The benchmark deletes 200 files on purpose: lift the safety cap with whatever flag
        this version of the task offers (SYNC_MAX_DELETES in the environment as well)."""
        help_text = self.help_text()
        if "--allow-deletes" in help_text:
            return ["--allow-deletes"]
        return ["--max-deletes=1000000"] if "--max-deletes" in help_text else []

    def _env(self, bucket: str, build_dir: Path) -> dict[str, str]:
        env = base_env(self.workdir)
        env.update({
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "SYNC_S3_BUCKET": bucket,
            "SYNC_BUILD_DIR": str(build_dir),
            "SYNC_OUTPUT_CHANGESET_PATH": str(self.workdir / "changesets" / f"{bucket}.json"),
            "SYNC_MAX_DELETES": "1000000",
            # The peers delete what the build no longer has at once; so does cruddur-ops when
            # skew protection keeps no earlier release (its default keeps the last 3's assets).
            "SYNC_KEEP_RELEASES": "1",
            # As the project's CI deploys (.github/workflows/sync.yaml): bundles the bucket holds
            # at their size are not read again (cruddur_ops/sync/vouch.py).
            "SYNC_TRUST_HASHED_NAMES": "true",
        })
        return with_ca_bundle(env, self.ca_bundle)

    def command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        env = self._env(bucket, build_dir)
        argv = [*self._inv(), "frontend.sync", "--yes", *self.delete_cap_flags(), *self.extra_flags]
        if self.distribution_id:
            env["SYNC_CLOUDFRONT_DISTRIBUTION_ID"] = self.distribution_id
        else:
            argv.append("--no-invalidate")
        return argv, env

    def plan_command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        env = self._env(bucket, build_dir)
        # a distribution id, so the plan does not look for the frontend stack's outputs
        env["SYNC_CLOUDFRONT_DISTRIBUTION_ID"] = "EBENCHPLANSTUB"
        return [*self._invoke(), "frontend.plan"], env


@dataclass
class AwsCli(Tool):
    """`aws s3 sync --delete` (awscli v1 from PyPI), run as `python -m awscli` so a pyenv shim's
    start-up is not timed; falls back to `aws` on PATH."""

    def _argv0(self) -> list[str] | None:
        if _imports(self.python, "awscli"):
            return [self.python, "-m", "awscli"]
        found = shutil.which("aws")
        return [found] if found else None

    def interpreter(self) -> str | None:
        argv0 = self._argv0()
        if argv0 is None:
            return None
        return argv0[0] if argv0[0] == self.python else script_interpreter(argv0[0])

    def unavailable(self) -> str | None:
        if self._argv0() is None:
            return "awscli is not installed (pip install awscli)"
        return None

    def version(self) -> str:
        argv0 = self._argv0() or ["aws"]
        return _first_line([*argv0, "--version"]).split(" Python/")[0]

    def command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        argv = [*(self._argv0() or ["aws"]), "s3", "sync", str(build_dir), f"s3://{bucket}",
                "--delete", "--no-progress", "--endpoint-url", self.endpoint_url]
        return argv, with_ca_bundle(base_env(self.workdir), self.ca_bundle)


@dataclass
class S3cmd(Tool):
    """`s3cmd sync --delete-removed` (Debian package), path-style via host_bucket = host_base."""

    def unavailable(self) -> str | None:
        if not shutil.which("s3cmd"):
            return "s3cmd is not installed (apt-get install s3cmd)"
        return None

    def version(self) -> str:
        return _first_line([*self._argv0(), "--version"], env=self._env())

    def _script(self) -> str | None:
        return shutil.which("s3cmd")

    def _on_other_python(self) -> bool:
        """True when the run's interpreter is not the one the script's shebang names: the
        script then runs on the run's interpreter, with its own shebang's site-packages (Debian's
        /usr/lib/python3/dist-packages) appended to the path for its S3 package."""
        own = script_interpreter(self._script())
        return bool(own) and os.path.realpath(own or "") != os.path.realpath(self.python)

    def interpreter(self) -> str | None:
        return self.python if self._on_other_python() else script_interpreter(self._script())

    def _argv0(self) -> list[str]:
        script = self._script() or "s3cmd"
        return [self.python, script] if self._on_other_python() else [script]

    def _env(self) -> dict[str, str]:
        env = base_env(self.workdir)
        if self._on_other_python():
            env["PYTHONPATH"] = _site_packages(script_interpreter(self._script()) or "")
        return env

    def config_path(self) -> Path:
        host = self.endpoint_url.split("://", 1)[1]
        path = self.workdir / "s3cmd.cfg"
        tls = (f"use_https = True\ncheck_ssl_certificate = True\nca_certs_file = {self.ca_bundle}\n"
               if self.ca_bundle else "use_https = False\ncheck_ssl_certificate = False\n")
        path.write_text(
            "[default]\n"
            "access_key = testing\nsecret_key = testing\n"
            f"host_base = {host}\nhost_bucket = {host}\n"  # no %(bucket)s: path-style
            + tls +
            "signature_v2 = False\nbucket_location = us-east-1\n"
            "use_mime_magic = False\n"  # guess Content-Type from the extension, like the others
            "progress_meter = False\n"
        )
        return path

    def command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        argv = [*self._argv0(), "-c", str(self.config_path()), "sync", "--delete-removed",
                "--no-progress", f"{build_dir}/", f"s3://{bucket}/"]
        return argv, self._env()


@dataclass
class Rclone(Tool):
    """`rclone sync --checksum` (Debian package), an S3 remote defined by RCLONE_CONFIG_* env."""

    def unavailable(self) -> str | None:
        if not shutil.which("rclone"):
            return "rclone is not installed (apt-get install rclone)"
        return None

    def version(self) -> str:
        return _first_line(["rclone", "version"])

    def command(self, bucket: str, build_dir: Path) -> tuple[list[str], dict[str, str]]:
        env = base_env(self.workdir)
        env.update({
            "RCLONE_CONFIG": str(self.workdir / "empty.conf"),
            "RCLONE_CONFIG_BENCH_TYPE": "s3",
            "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
            "RCLONE_CONFIG_BENCH_ENDPOINT": self.endpoint_url,
            "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": "testing",
            "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": "testing",
            "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
            "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
        })
        argv = ["rclone", "sync", "--checksum", str(build_dir), f"bench:{bucket}"]
        if self.ca_bundle:
            argv[2:2] = ["--ca-cert", self.ca_bundle]
        return argv, env


# Each tool's slug (what --tools takes) and its name in the log and the report.
DISPLAY = {"cruddur-ops": "cruddur-ops", "aws-s3-sync": "aws s3 sync", "s3cmd": "s3cmd",
           "rclone": "rclone"}
TOOL_NAMES = tuple(DISPLAY)
