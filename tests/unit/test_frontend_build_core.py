"""build_frontend() end to end with a fake npm: install decisions, env, verification, zip."""

from __future__ import annotations

import json
import os
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

from cruddur_ops.console import reset_consoles
from cruddur_ops.errors import ConfigError, OpsError
from cruddur_ops.frontend_build import BuildRequest, NpmError, build_frontend, default_frontend_dir
from cruddur_ops.frontend_build.npm import LineSink


class FakeNpm:
    """Stands in for npm: records calls; `run build` writes a small build where asked."""

    def __init__(self, *, build_status: int = 0, write_index: bool = True, write_build: bool = True) -> None:
        self.build_status = build_status
        self.write_index = write_index
        self.write_build = write_build
        self.calls: list[tuple[str, ...]] = []
        self.envs: list[dict[str, str]] = []

    def __call__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink) -> int:
        args = tuple(argv[1:])
        self.calls.append(args)
        self.envs.append(dict(env))
        on_line(f"> fake npm {' '.join(args)}")
        if args[:2] == ("run", "build"):
            if self.build_status:
                on_line("Failed to compile.")
                return self.build_status
            if self.write_build:
                out = cwd / env.get("BUILD_PATH", "build")
                (out / "static/js").mkdir(parents=True, exist_ok=True)
                if self.write_index:
                    (out / "index.html").write_text("<!doctype html>")
                bundle = f"var backend={env.get('REACT_APP_BACKEND_URL', '')!r};"
                (out / "static/js/main.1234.js").write_text(bundle)
        return 0

    @property
    def commands(self) -> list[str]:
        return [" ".join(call[:2]) for call in self.calls]


@pytest.fixture
def frontend(tmp_path: Path) -> Path:
    root = tmp_path / "frontend"
    root.mkdir()
    (root / "package.json").write_text('{"name": "app", "scripts": {"build": "node build.js"}}')
    (root / "package-lock.json").write_text(json.dumps({"name": "app", "lockfileVersion": 3, "packages": {"": {}}}))
    return root


@pytest.fixture
def npm_path(tmp_path: Path) -> str:
    """A PATH holding an `npm` (never executed: the fake runner intercepts it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\nexit 99\n")
    npm.chmod(0o755)
    return str(bin_dir)


def test_first_build_installs_then_builds_and_second_skips_install(frontend: Path, npm_path: str) -> None:
    fake = FakeNpm()
    steps: list[str] = []
    result = build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=fake, on_step=steps.append)

    assert fake.commands == ["ci --no-audit", "run build"]
    assert result.installed and result.install_reason == "node_modules is missing"
    assert result.build_dir == (frontend / "build").resolve()
    assert result.file_count == 2
    assert result.total_bytes == len("<!doctype html>") + len("var backend='';")
    assert steps[0] == f"building {frontend.resolve()} (create-react-app) into {result.build_dir}"
    assert steps[1] == "npm ci (node_modules is missing)"

    again = FakeNpm()
    result = build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=again)
    assert again.commands == ["run build"]
    assert not result.installed


def test_lockfile_change_triggers_install_and_force_install_always_does(frontend: Path, npm_path: str) -> None:
    build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=FakeNpm())
    (frontend / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {}}}')
    fake = FakeNpm()
    result = build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=fake)
    assert fake.commands[0] == "ci --no-audit"
    assert "changed" in result.install_reason

    forced = FakeNpm()
    result = build_frontend(BuildRequest(frontend, force_install=True), environ={"PATH": npm_path}, runner=forced)
    assert forced.commands == ["ci --no-audit", "run build"]
    assert result.install_reason == "forced by --force-install"


def test_react_app_values_from_env_file_with_environment_winning(frontend: Path, npm_path: str, tmp_path: Path) -> None:
    env_file = tmp_path / "frontend-react-js.env"
    env_file.write_text("REACT_APP_BACKEND_URL=https://api.file.test\nREACT_APP_CLIENT_ID=abc\nOTHER=x\n")
    fake = FakeNpm()
    steps: list[str] = []
    result = build_frontend(
        BuildRequest(frontend, env_file=env_file),
        environ={"PATH": npm_path, "REACT_APP_CLIENT_ID": "from-env"},
        runner=fake,
        on_step=steps.append,
    )
    build_env = fake.envs[-1]
    assert build_env["REACT_APP_BACKEND_URL"] == "https://api.file.test"
    assert build_env["REACT_APP_CLIENT_ID"] == "from-env"
    assert "OTHER" not in build_env and "BUILD_PATH" not in build_env
    assert result.react_names == ("REACT_APP_BACKEND_URL", "REACT_APP_CLIENT_ID")
    assert result.react_from_environment == ("REACT_APP_CLIENT_ID",)
    assert steps[-1] == (
        "npm run build with 2 REACT_APP_* variable(s): REACT_APP_BACKEND_URL, REACT_APP_CLIENT_ID; "
        f"env file: {env_file}; from the environment: REACT_APP_CLIENT_ID"
    )
    assert "https://api.file.test" in (result.build_dir / "static/js/main.1234.js").read_text()


def test_build_dir_is_passed_as_build_path(frontend: Path, npm_path: str, tmp_path: Path) -> None:
    fake = FakeNpm()
    out = tmp_path / "dist"
    result = build_frontend(BuildRequest(frontend, build_dir=out), environ={"PATH": npm_path}, runner=fake)
    assert fake.envs[-1]["BUILD_PATH"] == str(out.resolve())
    assert result.build_dir == out.resolve() and (out / "index.html").is_file()


def test_build_path_already_in_the_environment_is_where_the_build_is_checked(frontend: Path, npm_path: str) -> None:
    result = build_frontend(BuildRequest(frontend), environ={"PATH": npm_path, "BUILD_PATH": "dist"}, runner=FakeNpm())
    assert result.build_dir == (frontend / "dist").resolve()


def test_missing_index_html_is_a_clear_error(frontend: Path, npm_path: str) -> None:
    with pytest.raises(OpsError, match=r"has no index\.html") as caught:
        build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=FakeNpm(write_index=False))
    assert caught.value.hint


def test_missing_build_folder_is_a_clear_error(frontend: Path, npm_path: str) -> None:
    with pytest.raises(OpsError, match="does not exist") as caught:
        build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=FakeNpm(write_build=False))
    assert caught.value.hint and "--build-dir" in caught.value.hint


def test_an_old_build_left_untouched_is_not_taken_for_a_new_one(frontend: Path, npm_path: str) -> None:
    old = frontend / "build"
    old.mkdir()
    (old / "index.html").write_text("stale")
    an_hour_ago = time.time() - 3600
    os.utime(old / "index.html", (an_hour_ago, an_hour_ago))
    with pytest.raises(OpsError, match="wrote nothing"):
        build_frontend(BuildRequest(frontend), environ={"PATH": npm_path}, runner=FakeNpm(write_build=False))


def test_npm_missing_fails_before_anything_runs(frontend: Path, tmp_path: Path) -> None:
    fake = FakeNpm()
    with pytest.raises(OpsError, match="npm was not found on PATH"):
        build_frontend(BuildRequest(frontend), environ={"PATH": str(tmp_path)}, runner=fake)
    assert fake.calls == []


def test_failed_build_raises_and_writes_no_zip(frontend: Path, npm_path: str, tmp_path: Path) -> None:
    target = tmp_path / "site.zip"
    with pytest.raises(NpmError, match="exit code 2") as caught:
        build_frontend(BuildRequest(frontend, zip_path=target), environ={"PATH": npm_path},
                       runner=FakeNpm(build_status=2))
    assert caught.value.tail[-1] == "Failed to compile."
    assert not target.exists()


def test_zip_is_written_and_identical_across_builds(frontend: Path, npm_path: str, tmp_path: Path) -> None:
    first = build_frontend(BuildRequest(frontend, zip_path=tmp_path / "a.zip"), environ={"PATH": npm_path}, runner=FakeNpm())
    second = build_frontend(BuildRequest(frontend, zip_path=tmp_path / "b.zip"), environ={"PATH": npm_path}, runner=FakeNpm())
    assert first.zip and second.zip
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["index.html", "static/js/main.1234.js"]


def test_zip_inside_the_build_folder_is_refused_before_building(frontend: Path, npm_path: str) -> None:
    fake = FakeNpm()
    with pytest.raises(ConfigError, match="inside the build folder"):
        build_frontend(BuildRequest(frontend, zip_path=frontend / "build" / "site.zip"),
                       environ={"PATH": npm_path}, runner=fake)
    assert fake.calls == []


@pytest.mark.parametrize(("setup", "message"), [("none", "does not exist"), ("empty", "no package.json")])
def test_bad_frontend_dir(tmp_path: Path, npm_path: str, setup: str, message: str) -> None:
    target = tmp_path / "app"
    if setup == "empty":
        target.mkdir()
    with pytest.raises(ConfigError, match=message):
        build_frontend(BuildRequest(target), environ={"PATH": npm_path}, runner=FakeNpm())


def test_default_frontend_dir_prefers_frontend_react_js(tmp_path: Path) -> None:
    assert default_frontend_dir(tmp_path) == tmp_path / "examples/frontend"
    (tmp_path / "frontend-react-js").mkdir()
    assert default_frontend_dir(tmp_path) == tmp_path / "frontend-react-js"


def test_task_maps_missing_npm_to_exit_1_and_one_line_error(
    frontend: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cruddur_ops.tasks.frontend_build import build, tasks

    assert tasks == [build]
    monkeypatch.setenv("PATH", str(tmp_path))
    reset_consoles()
    try:
        with pytest.raises(Exit) as caught:
            build(Context(), frontend_dir=str(frontend))
    finally:
        captured = capsys.readouterr()
        reset_consoles()
    assert caught.value.code == 1
    lines = captured.err.splitlines()
    error_at = lines.index("error: npm was not found on PATH")
    assert lines[error_at + 1].startswith("hint: install Node.js 18")
    assert error_at == len(lines) - 2  # the error and its hint are the last words
    assert "Traceback" not in captured.err and captured.out == ""


class TestTaskSettings:
    """How the task turns flags, environment and invoke config into a BuildRequest."""

    @pytest.fixture
    def captured(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[BuildRequest]]:
        from cruddur_ops.frontend_build import BuildResult

        requests: list[BuildRequest] = []

        def fake_build(request: BuildRequest, **_: object) -> BuildResult:
            requests.append(request)
            return BuildResult(frontend_dir=request.frontend_dir, build_dir=tmp_path, file_count=1,
                               total_bytes=5, installed=False, install_reason="", env_file=None)

        # The task imports build_frontend when it runs (lazy start-up): patch the package it reads.
        monkeypatch.setattr("cruddur_ops.frontend_build.build_frontend", fake_build)
        monkeypatch.delenv("FRONTEND_DIR", raising=False)
        monkeypatch.delenv("FRONTEND_ENV_FILE", raising=False)
        reset_consoles()
        yield requests
        reset_consoles()

    def run(self, config: Mapping[str, object] | None = None, **flags: object) -> None:
        from invoke import Config

        from cruddur_ops.tasks.frontend_build import build

        build(Context(config=Config(overrides={"cruddur": dict(config or {})})), **flags)

    def test_defaults(self, captured: list[BuildRequest], capsys: pytest.CaptureFixture[str]) -> None:
        from cruddur_ops.config import repo_root

        self.run()
        request = captured[-1]
        assert request.frontend_dir == default_frontend_dir(repo_root())
        assert request.env_file == repo_root() / "frontend-react-js.env"
        assert not request.env_file_required
        assert request.build_dir is None and request.zip_path is None
        assert "(1 files, 5 bytes)" in capsys.readouterr().out

    def test_flag_beats_environment_beats_invoke_config(self, captured: list[BuildRequest], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
        config = {"frontend": {"frontend_dir": str(tmp_path / "from-config")}}
        self.run(config)
        assert captured[-1].frontend_dir == tmp_path / "from-config"
        monkeypatch.setenv("FRONTEND_DIR", str(tmp_path / "from-env"))
        self.run(config)
        assert captured[-1].frontend_dir == tmp_path / "from-env"
        self.run(config, frontend_dir=str(tmp_path / "from-flag"))
        assert captured[-1].frontend_dir == tmp_path / "from-flag"

    def test_env_file_flag_is_required_and_zip_folder_gets_a_name(self, captured: list[BuildRequest],
                                                                  tmp_path: Path) -> None:
        self.run(frontend_dir=str(tmp_path / "web"), env_file=str(tmp_path / "x.env"),
                 zip=f"{tmp_path}/artefacts/", build_dir=str(tmp_path / "out"))
        request = captured[-1]
        assert request.env_file == tmp_path / "x.env" and request.env_file_required
        assert request.zip_path == tmp_path / "artefacts" / "web-build.zip"
        assert request.build_dir == tmp_path / "out"


# --- Vite projects --------------------------------------------------------------------------------

class FakeVite(FakeNpm):
    """`npm run build` as `vite build` does it: dist/ (or --outDir), VITE_* inlined, BUILD_PATH ignored."""

    def __call__(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink) -> int:
        args = tuple(argv[1:])
        if args[:2] != ("run", "build"):
            return super().__call__(argv, cwd=cwd, env=env, on_line=on_line)
        self.calls.append(args)
        self.envs.append(dict(env))
        out = Path(args[args.index("--outDir") + 1]) if "--outDir" in args else cwd / "dist"
        (out / "assets").mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text("<!doctype html>")
        (out / "assets/index-DykytF2W.js").write_text(f"var backend={env.get('VITE_BACKEND_URL', '')!r};")
        return 0


@pytest.mark.parametrize(("script", "config", "vite"), [
    ("vite build", None, True),
    ("tsc -b && vite build", None, True),
    ("npx vite build --mode staging", None, True),
    ("node build.js", "vite.config.ts", True),
    ("node build.js", "vite.config.mjs", True),
    ("vitest run && node build.js", None, False),
    ("react-scripts build", None, False),
    ("node scripts/my-vite-plugin.js", None, False),
])
def test_a_vite_project_is_recognised_by_its_build_script_or_config(
        tmp_path: Path, script: str, config: str | None, vite: bool) -> None:
    from cruddur_ops.frontend_build.project import CREATE_REACT_APP, VITE, detect_project

    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"build": script}}))
    if config:
        (tmp_path / config).write_text("export default {}")
    assert detect_project(tmp_path) == (VITE if vite else CREATE_REACT_APP)


@pytest.fixture
def vite_frontend(frontend: Path) -> Path:
    (frontend / "package.json").write_text('{"name": "app", "scripts": {"build": "vite build"}}')
    return frontend


def test_vite_build_gets_vite_values_and_writes_dist(vite_frontend: Path, npm_path: str, tmp_path: Path) -> None:
    env_file = tmp_path / "frontend-react-js.env"
    env_file.write_text("VITE_BACKEND_URL=https://api.file.test\nREACT_APP_CLIENT_ID=abc\nOTHER=x\n")
    fake = FakeVite()
    steps: list[str] = []
    result = build_frontend(BuildRequest(vite_frontend, env_file=env_file),
                            environ={"PATH": npm_path, "BUILD_PATH": "elsewhere"}, runner=fake,
                            on_step=steps.append)
    assert result.project == "Vite" and result.build_dir == (vite_frontend / "dist").resolve()
    assert fake.calls[-1] == ("run", "build")
    assert "https://api.file.test" in (result.build_dir / "assets/index-DykytF2W.js").read_text()
    assert fake.envs[-1]["REACT_APP_CLIENT_ID"] == "abc" and "OTHER" not in fake.envs[-1]
    assert steps[0] == f"building {vite_frontend.resolve()} (Vite) into {result.build_dir}"
    assert ("npm run build with 2 VITE_*/REACT_APP_* variable(s): REACT_APP_CLIENT_ID, VITE_BACKEND_URL; "
            f"env file: {env_file}") in steps


def test_vite_build_dir_is_passed_as_out_dir(vite_frontend: Path, npm_path: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    fake = FakeVite()
    result = build_frontend(BuildRequest(vite_frontend, build_dir=out), environ={"PATH": npm_path}, runner=fake)
    assert fake.calls[-1] == ("run", "build", "--", "--outDir", str(out.resolve()), "--emptyOutDir")
    assert "BUILD_PATH" not in fake.envs[-1]
    assert result.build_dir == out.resolve() and (out / "index.html").is_file()
