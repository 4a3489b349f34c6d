"""`inv env.*` tasks: render env files from `erb_templates/*.env.erb`.

The env-file core (jinja2) is imported inside the task, so `inv --list` and every other task
start without it.
"""

from __future__ import annotations

import os
from pathlib import Path

from invoke import Collection, Context

from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..console import consoles, plain


@ops_task(
    positional=["name"],
    optional=["name"],
    iterable=["template"],
    help={
        "name": "template to render, e.g. `sync` (comma list allowed); none = every template",
        "template": "a template to render (repeatable: -t sync -t backend-flask)",
        "out-dir": "where NAME.env files go (default: the repository root)",
        "template-dir": "folder of *.env.erb templates (default: erb_templates/)",
        "allow-missing": "render unset ENV['X'] as empty, like the old generator (not recommended)",
    },
)
def render(
    ctx: Context,
    name: str | None = None,
    template: list[str] | None = None,
    out_dir: str = "",
    template_dir: str = "",
    allow_missing: bool = False,
) -> None:
    """Render erb_templates/NAME.env.erb to NAME.env (all templates when no name is given).

    Every template is rendered before any file is written, so a missing variable in one leaves
    all existing env files untouched. Files holding secrets are written with mode 0600.
    """
    from ..envfiles.files import parse_names
    from ..envfiles.lookups import AwsLookups
    from ..envfiles.service import render_env_files

    settings = load_settings(ctx, section="env")
    root = repo_root()
    lookups = AwsLookups(aws_target(settings))
    files = render_env_files(
        template_dir=resolve_path(template_dir or settings.get("TEMPLATE_DIR", default="erb_templates"), root),
        out_dir=resolve_path(out_dir or settings.get("OUT_DIR", default="."), root),
        root=root,
        environ=dict(os.environ),
        names=parse_names([name or "", *(template or [])]),
        allow_missing=allow_missing,
        ssm=lookups.ssm,
        secret=lookups.secret,
    )
    out = consoles().out
    for written in files:
        path = written.path
        shown = os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
        note = " (secrets: mode 0600)" if written.holds_secrets else ""
        out.print(plain(f"rendered {shown}{note}"))


collection = Collection("env", render)
