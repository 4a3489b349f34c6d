"""`inv frontend.build` end to end: real npm, real example build, real zips (no network needed:
the example has no npm dependencies). Each test builds a copy of examples/frontend in tmp_path,
so the repository tree is never modified."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, TaskResult

EXAMPLE = REPO_ROOT / "examples" / "frontend"
BACKEND_URL = "https://api.integration.example"

RunTask = Callable[..., TaskResult]


@pytest.fixture
def frontend(tmp_path: Path) -> Path:
    target = tmp_path / "frontend"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("node_modules", "build"))
    return target


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "frontend-react-js.env"
    path.write_text(f"REACT_APP_BACKEND_URL={BACKEND_URL}\nREACT_APP_CLIENT_ID=client-123\n")
    return path


def error_lines(result: TaskResult) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def main_bundle(build: Path) -> str:
    (bundle,) = (build / "static" / "js").glob("main.*.js")
    return bundle.read_text(encoding="utf-8")


def test_build_with_env_file_and_deterministic_zip(run_task: RunTask, frontend: Path, env_file: Path,
                                                    tmp_path: Path) -> None:
    first_zip, second_zip = tmp_path / "one.zip", tmp_path / "out" / "two.zip"

    first = run_task("frontend.build", "--frontend-dir", str(frontend), "--env-file", str(env_file),
                     "--zip", str(first_zip), check=True)

    build = frontend / "build"
    assert (build / "index.html").is_file()
    assert BACKEND_URL in main_bundle(build)
    assert "client-123" in main_bundle(build)
    assert "npm ci (node_modules is missing)" in first.stderr
    assert "REACT_APP_BACKEND_URL, REACT_APP_CLIENT_ID" in first.stderr
    assert BACKEND_URL not in first.stderr.split("Creating an optimized")[0]  # names, not values
    files = sorted(p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file())
    total = sum((build / f).stat().st_size for f in files)
    assert f"build: {build} ({len(files)} files, {total:,} bytes)" in first.stdout
    assert f"zip: {first_zip} ({len(files)} entries" in first.stdout

    second = run_task("frontend.build", "--frontend-dir", str(frontend), "--env-file", str(env_file),
                      "--zip", str(second_zip), check=True)
    assert "skipping npm ci" in second.stderr
    assert first_zip.read_bytes() == second_zip.read_bytes()

    with zipfile.ZipFile(first_zip) as archive:
        names = archive.namelist()
        assert names == sorted(names) == files
        assert "static/media/" in " ".join(names) and any("café menu" in n for n in names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("index.html") == (build / "index.html").read_bytes()


def test_real_environment_overrides_env_file_and_build_dir(run_task: RunTask, frontend: Path, env_file: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = run_task("frontend.build", "--frontend-dir", str(frontend), "--env-file", str(env_file),
                      "--build-dir", str(out), env={"REACT_APP_BACKEND_URL": "https://override.example"},
                      check=True)
    assert "https://override.example" in main_bundle(out)
    assert BACKEND_URL not in main_bundle(out)
    assert not (frontend / "build").exists()
    assert f"build: {out} (" in result.stdout
    assert "from the environment: REACT_APP_BACKEND_URL" in result.stderr


def test_broken_build_exits_1_with_one_error_line(run_task: RunTask, frontend: Path, tmp_path: Path) -> None:
    app = frontend / "src" / "App.js"
    app.write_text(app.read_text(encoding="utf-8") + "\nconst = ;\n", encoding="utf-8")
    target = tmp_path / "never.zip"

    result = run_task("frontend.build", "--frontend-dir", str(frontend), "--zip", str(target))

    assert result.returncode == 1
    assert error_lines(result) == [f"error: `npm run build` failed with exit code 1 in {frontend}"]
    assert "Failed to compile." in result.stderr  # npm's output, streamed
    assert "hint: " in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not target.exists()


def test_quiet_failure_shows_the_tail_of_npm_output(run_task: RunTask, frontend: Path) -> None:
    app = frontend / "src" / "App.js"
    app.write_text(app.read_text(encoding="utf-8") + "\nconst = ;\n", encoding="utf-8")
    result = run_task("frontend.build", "--frontend-dir", str(frontend), "--quiet")
    assert result.returncode == 1
    assert "Syntax error" in result.stderr
    assert len(error_lines(result)) == 1


def test_path_without_npm_is_a_clear_error(run_task: RunTask, frontend: Path, tmp_path: Path) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    result = run_task("frontend.build", "--frontend-dir", str(frontend), env={"PATH": str(empty_bin)})
    assert result.returncode == 1
    assert error_lines(result) == ["error: npm was not found on PATH"]
    assert "hint: install Node.js 18" in result.stderr
    assert "Traceback" not in result.output
    assert not (frontend / "build").exists()


def test_missing_index_html_is_a_clear_error(run_task: RunTask, frontend: Path) -> None:
    (frontend / "package.json").write_text(
        '{"name": "no-index", "private": true, "scripts": {"build": '
        '"node -e \\"require(\'fs\').mkdirSync(\'build\',{recursive:true});'
        'require(\'fs\').writeFileSync(\'build/app.js\',\'x\')\\""}}'
    )
    result = run_task("frontend.build", "--frontend-dir", str(frontend))
    assert result.returncode == 1
    assert error_lines(result) == [f"error: build folder {frontend / 'build'} has no index.html"]
    assert "Traceback" not in result.output


def test_named_env_file_that_does_not_exist(run_task: RunTask, frontend: Path, tmp_path: Path) -> None:
    result = run_task("frontend.build", "--frontend-dir", str(frontend), "--env-file", str(tmp_path / "nope.env"))
    assert result.returncode == 1
    assert error_lines(result) == [f"error: frontend env file {tmp_path / 'nope.env'} does not exist"]
