"""`inv env.*` tasks: render env files from `erb_templates/*.env.erb`.

The env-file core (jinja2) is imported inside the task, so `inv --list` and every other task
start without it.
"""

from __future__ import annotations

from invoke import Collection, Context

from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
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
    from ..envfiles.service import render_env_files, report_lines
    from ..envfiles.settings import env_render_settings

    settings = load_settings(ctx, section="env", flags={"TEMPLATE_DIR": template_dir, "OUT_DIR": out_dir})
    config = env_render_settings(settings)
    lookups = AwsLookups(aws_target(settings))
    files = render_env_files(template_dir=config.template_dir, out_dir=config.out_dir, root=config.root,
                             environ=config.environ, names=parse_names([name or "", *(template or [])]),
                             allow_missing=allow_missing, ssm=lookups.ssm, secret=lookups.secret)
    for line in report_lines(files):
        consoles().out.print(plain(line))


collection = Collection("env", render)
