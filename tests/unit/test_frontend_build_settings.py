"""frontend.build settings: FRONTEND_* from any layer, the build folder and zip from flags only."""

from __future__ import annotations

from pathlib import Path

from cruddur_ops.config import Settings
from cruddur_ops.frontend_build.settings import build_settings


def test_defaults_from_the_root(tmp_path: Path) -> None:
    (tmp_path / "examples" / "frontend").mkdir(parents=True)
    config = build_settings(Settings(), tmp_path)
    assert config.request.frontend_dir == tmp_path / "examples" / "frontend"
    assert config.request.env_file == tmp_path / "frontend-react-js.env"
    assert not config.request.env_file_required and config.request.build_dir is None
    assert config.request.zip_path is None and not config.request.force_install and not config.quiet


def test_environment_and_flags(tmp_path: Path) -> None:
    settings = Settings(environ={"FRONTEND_DIR": "web", "FRONTEND_ENV_FILE": "", "BUILD_DIR": "not-a-setting"},
                        flags={"FRONTEND_ENV_FILE": "web.env", "ZIP": "out/", "FORCE_INSTALL": True, "QUIET": True})
    config = build_settings(settings, tmp_path)
    assert config.request.frontend_dir == tmp_path / "web"
    assert config.request.env_file == tmp_path / "web.env" and config.request.env_file_required
    assert config.request.build_dir is None  # --build-dir is a flag, not an environment setting
    assert config.request.zip_path == tmp_path / "out" / "web-build.zip"  # a folder: <name>-build.zip
    assert config.request.force_install and config.quiet
    flagged = build_settings(Settings(flags={"BUILD_DIR": "dist"}), tmp_path)
    assert flagged.request.build_dir == tmp_path / "dist"
