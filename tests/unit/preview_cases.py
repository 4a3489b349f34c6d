"""Fixed small plans and the consoles they are rendered on, for the byte-identical preview test.

The golden files under ``golden/`` were written by the line-per-file renderer before previews
learned to roll large plans up by folder (``python -m tests.unit.preview_cases`` rewrites them:
only do that for an intended change of the small-plan preview)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from cruddur_ops.console import make_console, theme
from cruddur_ops.sync.invalidation import plan_invalidation
from cruddur_ops.sync.model import LocalFile, RemoteObject
from cruddur_ops.sync.plan import PlanRules, build_plan
from cruddur_ops.sync.render import preview, preview_parts, print_parts

GOLDEN = Path(__file__).with_name("golden")


def small_plan(prefix: str = "") -> Any:
    """Every action and reason a preview shows, a path over 60 characters, non-ASCII names."""
    p = prefix
    files = [
        LocalFile(p + "index.html", "index.html", 1234, "a" * 32),
        LocalFile(p + "about/index.html", "about/index.html", 999, "b" * 32),
        LocalFile(p + "static/js/main.489c26e2.js", "static/js/main.489c26e2.js", 123_456, "c" * 32),
        LocalFile(p + "static/css/main.0a1b2c3d.css", "static/css/main.0a1b2c3d.css", 4_321, "d" * 32),
        LocalFile(p + "static/media/café menu.f91248e59666df4b3246.svg",
                  "static/media/café menu.f91248e59666df4b3246.svg", 542, "e" * 32),
        LocalFile(p + "static/media/a-very-long-file-name-that-goes-past-sixty-characters.e00f3f40.png",
                  "static/media/a-very-long-file-name-that-goes-past-sixty-characters.e00f3f40.png",
                  2_500_000, "f" * 32),
        LocalFile(p + "robots.txt", "robots.txt", 67, "1" * 32),
        LocalFile(p + "same.css", "same.css", 5, "2" * 32),
        LocalFile(p + "multipart.bin", "multipart.bin", 9_000_000, "3" * 32),
        LocalFile(p + "kms.json", "kms.json", 10, "4" * 32),
        LocalFile(p + ".DS_Store", ".DS_Store", 6, "5" * 32),
    ]
    remote = {o.key: o for o in [
        RemoteObject(p + "index.html", 1100, "9" * 32),
        RemoteObject(p + "robots.txt", 67, "8" * 32),
        RemoteObject(p + "same.css", 5, "2" * 32),
        RemoteObject(p + "multipart.bin", 9_000_000, "7" * 32 + "-2"),
        RemoteObject(p + "kms.json", 10, "6" * 32),
        RemoteObject(p + "old.png", 7, "e" * 32),
        RemoteObject(p + "static/js/old.11111111.js", 2_048_000, "0" * 32),
        RemoteObject(p + "keep/me.txt", 3, "0" * 32),
    ]}
    rules = PlanRules(ignore=(".DS_Store", "keep/*"))
    return build_plan(files, remote, bucket="cruddur.example.com", prefix=prefix, rules=rules,
                      metadata={p + "kms.json": "4" * 32, p + "multipart.bin": None})


def _render(console_factory: Callable[[io.StringIO], Console], plan: Any, options: dict[str, Any]) -> str:
    """One ``print`` of the whole preview, as the line-per-file renderer was printed."""
    buffer = io.StringIO()
    console_factory(buffer).print(preview(plan, **options))
    return buffer.getvalue()


def render_in_parts(console_factory: Callable[[io.StringIO], Console], plan: Any,
                    options: dict[str, Any]) -> str:
    """The preview printed part by part, as the tasks print it."""
    buffer = io.StringIO()
    print_parts(console_factory(buffer), preview_parts(plan, **options))
    return buffer.getvalue()


CONSOLES: dict[str, Callable[[io.StringIO], Console]] = {
    # what `inv frontend.plan` builds for a pipe or a file (no colour, soft wrap)
    "pipe": lambda buf: make_console(buf, {}),
    # a 100-column colour terminal
    "tty": lambda buf: Console(file=buf, width=100, theme=theme(), force_terminal=True,
                               color_system="standard", highlight=False, emoji=False),
    # a narrow terminal without colour: rich wraps the lines
    "narrow": lambda buf: Console(file=buf, width=60, theme=theme(), no_color=True,
                                  highlight=False, emoji=False),
}


def cases() -> dict[str, tuple[Any, dict[str, Any]]]:
    """name → (plan, the preview's options)."""
    plan = small_plan()
    prefixed = small_plan("site/")
    changes = [i for i in plan.items if i.is_change]
    return {
        "default": (plan, dict(source="build", invalidation=plan_invalidation(changes),
                               distribution_id="E2EXAMPLE", changeset="tmp/changeset-1.json")),
        "show_all": (plan, dict(source="build", invalidation=None, distribution_id=None,
                                invalidation_note="no distribution: invalidation skipped", show_all=True)),
        "few_paths": (plan, dict(source="build", invalidation=plan_invalidation(changes[:2], max_paths=15),
                                 distribution_id="E2EXAMPLE", warning="the plan deletes 2 objects")),
        "prefixed": (prefixed, dict(source="/abs/build", invalidation=plan_invalidation(
                                        [i for i in prefixed.items if i.is_change], prefix="site/",
                                        max_paths=3),
                                    distribution_id="E2EXAMPLE", changeset="c.json")),
        "nothing": (build_plan([LocalFile("a.txt", "a.txt", 1, "a" * 32)],
                               {"a.txt": RemoteObject("a.txt", 1, "a" * 32)}, bucket="b"),
                    dict(source="build", invalidation=plan_invalidation([]), distribution_id="E1")),
    }


def golden_path(case: str, console: str) -> Path:
    return GOLDEN / f"preview-{case}-{console}.txt"


def rendered() -> dict[Path, str]:
    out = {}
    for case, (plan, options) in cases().items():
        for name, factory in CONSOLES.items():
            out[golden_path(case, name)] = _render(factory, plan, options)
    return out


if __name__ == "__main__":
    for path, text in rendered().items():
        path.write_bytes(text.encode("utf-8"))
        print(path)
