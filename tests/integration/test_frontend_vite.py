"""A real Vite build deployed end to end: `inv frontend.build` on examples/frontend-vite (npm ci
from the registry, `vite build`), then `inv frontend.sync` to the emulator, then every object's
headers checked against what the file is. S3 only: runs on LocalStack too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

from .test_sync_support import SyncSite, site_fixture  # noqa: F401  (fixture)

EXAMPLE = REPO_ROOT / "examples" / "frontend-vite"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


def expected_headers(key: str) -> tuple[str, str]:
    """What a Vite build's file must be served with: its type by extension; index.html
    revalidated on every request; assets/ (Vite's hashed output) immutable, except source maps,
    which are named after the file they map; public/ copies revalidated."""
    content_type = TYPES["." + key.rpartition(".")[2]]
    if key.endswith(".html"):
        return content_type, "no-cache"
    if key.startswith("assets/") and not key.endswith(".map"):
        return content_type, IMMUTABLE
    return content_type, REVALIDATE


@pytest.fixture
def vite_project(tmp_path: Path) -> Path:
    target = tmp_path / "frontend-vite"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("node_modules", "dist"))
    return target


def build(site: SyncSite, project: Path, backend_url: str) -> tuple[Path, str]:
    env_file = project.parent / "frontend-react-js.env"
    env_file.write_text(f"VITE_BACKEND_URL={backend_url}\nREACT_APP_CLIENT_ID=client-123\n")
    result = site.run_task("frontend.build", "--frontend-dir", str(project), "--env-file", str(env_file),
                           "--quiet", env=site.env, timeout=600)
    assert result.returncode == 0, result.output
    return project / "dist", result.output


def test_vite_build_and_sync_serve_every_file_with_the_right_headers(site: SyncSite, vite_project: Path) -> None:
    dist, output = build(site, vite_project, "https://api.vite.example")
    assert f"building {vite_project.resolve()} (Vite) into {dist.resolve()}" in output
    assert "VITE_BACKEND_URL" in output and "https://api.vite.example" not in output  # names, not values
    bundles = list((dist / "assets").glob("index-*.js"))
    assert len(bundles) == 1 and "https://api.vite.example" in bundles[0].read_text(encoding="utf-8")
    assert (dist / ".vite" / "manifest.json").is_file()  # vite.config.js asks for the manifest

    env = {"SYNC_BUILD_DIR": str(dist)}
    applied = site.inv("frontend.sync", "--yes", env=env)
    assert applied.returncode == 0, applied.output
    assert "Bundler: Vite (.vite/manifest.json: 4 hashed files)" in applied.stdout
    assert "Not published: .vite/" in applied.stdout

    published = {p.relative_to(dist).as_posix() for p in dist.rglob("*")
                 if p.is_file() and ".vite" not in p.parts}
    assert set(site.objects()) == published
    assert {k for k in published if expected_headers(k)[1] == IMMUTABLE} == {
        k for k in published if k.startswith("assets/") and not k.endswith(".map")}
    assert len([k for k in published if k.startswith("assets/") and k.endswith(".js")]) == 2  # lazy About
    for key in sorted(published):
        head = site.s3.head_object(Bucket=site.bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == expected_headers(key), key
        assert head["ContentLength"] == (dist / key).stat().st_size, key

    # A rebuild with another backend URL: new hashed bundles (the entry and the lazy chunk that
    # imports it), index.html updated; the old bundles are kept for browsers still holding the old
    # index.html (releases), their source maps (not content-hashed) go; CSS, SVG and public/ stay.
    old_bundle = bundles[0].relative_to(dist).as_posix()
    build(site, vite_project, "https://api2.vite.example")
    plan = site.inv("frontend.plan", env=env)
    assert plan.returncode == 0, plan.output
    changed = {tuple(line.split()[:2]) for line in plan.stdout.splitlines() if line.startswith(("  + ", "  ~ ", "  - "))}
    assert ("~", "index.html") in changed and old_bundle not in {key for _, key in changed}
    assert "2 kept for the last 3 releases" in plan.stdout, plan.stdout
    created = {key for sign, key in changed if sign == "+"}
    assert created and all(key.startswith("assets/") and key.endswith((".js", ".js.map")) for key in created)
    assert {key for _, key in changed} - created - {"index.html"} == {
        key for key in published if key.startswith("assets/") and key.endswith(".js.map")}
