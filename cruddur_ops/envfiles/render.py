"""Render ERB-style env templates with a sandboxed Jinja2 environment.

The supported ERB forms (``<%= ENV['X'] %>``, ``<%= ENV["X"] %>``, ``<%= ENV.fetch('X', 'd') %>``,
``<%# comment %>``, any spacing, ``<% if … %>`` blocks) are valid Jinja once the delimiters are set
to ERB's, so no translation step is needed. The sandbox means no template can run code: only the
objects passed in (``ENV``, ``ssm``, ``secret``, ``workspace_url``) are reachable.

Rendering is pure: it takes the template text, an environment mapping and helper callables and
returns text (or raises :class:`TemplateProblem`). Writing files is the task layer's job.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from ..errors import ConfigError
from ..redact import is_secret_name
from ..workspace_kind import detect_workspace

_NO_DEFAULT = object()
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


@dataclass(frozen=True)
class MissingVariable:
    template: str
    line: int | None
    name: str

    def __str__(self) -> str:
        where = f"{self.template}:{self.line}" if self.line else self.template
        return f"{where}: {self.name} is not set"


class TemplateProblem(ConfigError):
    """A template could not be rendered: missing variables or a syntax error."""


@dataclass
class _RenderState:
    template_name: str
    allow_missing: bool
    missing: list[MissingVariable] = field(default_factory=list)
    used_secret_helper: bool = False
    line_of: Callable[[int], int] | None = None


def _template_line(state: _RenderState) -> int | None:
    """The template line being rendered, read from the Jinja-compiled frame on the call stack."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == state.template_name and state.line_of is not None:
            return state.line_of(frame.f_lineno)
        frame = frame.f_back
    return None


class TemplateEnv:
    """``ENV`` inside templates: Ruby's ``ENV[...]`` and ``ENV.fetch`` over a plain mapping.

    A missing variable is recorded (with its template line) instead of silently becoming an empty
    string — the old generator's behaviour, still available with ``allow_missing``.
    """

    def __init__(self, values: Mapping[str, str], state: _RenderState) -> None:
        self._values = values
        self._state = state

    def _missing(self, name: str) -> str:
        if not self._state.allow_missing:
            self._state.missing.append(
                MissingVariable(self._state.template_name, _template_line(self._state), name)
            )
        return ""

    def __getitem__(self, name: str) -> str:
        value = self._values.get(name)
        return self._missing(name) if value is None else value

    def fetch(self, name: str, default: Any = _NO_DEFAULT) -> str:
        value = self._values.get(name)
        if value is not None:
            return value
        if default is _NO_DEFAULT:
            return self._missing(name)
        return "" if default is None else str(default)

    def get(self, name: str, default: str | None = None) -> str | None:
        """Optional lookup for conditionals: ``<% if ENV.get('X') %>``. Never an error."""
        return self._values.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self._values


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<%=",
        variable_end_string="%>",
        comment_start_string="<%#",
        comment_end_string="%>",
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        autoescape=False,
    )


@dataclass(frozen=True)
class Rendered:
    name: str  # template name without .env.erb, e.g. "sync"
    text: str
    holds_secrets: bool


def holds_secrets(text: str, used_secret_helper: bool) -> bool:
    """True when the output carries a secret: a value fetched with ``secret()``/``ssm()`` or a
    non-empty assignment to a secret-looking name (keys, tokens, passwords, connection URLs)."""
    if used_secret_helper:
        return True
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match.group(2).strip().strip("\"'") and (
            is_secret_name(match.group(1)) or match.group(1) == "AWS_ACCESS_KEY_ID"
        ):
            return True
    return False


def render_template(
    source: str,
    *,
    template_path: str,
    name: str,
    environ: Mapping[str, str],
    allow_missing: bool = False,
    ssm: Callable[..., str] | None = None,
    secret: Callable[..., str] | None = None,
) -> Rendered:
    """Render one template. Raises :class:`TemplateProblem` naming file, line and variable."""
    state = _RenderState(template_name=template_path, allow_missing=allow_missing)
    env = _environment()
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"{template_path}:{exc.lineno}: template syntax error: {exc.message}",
            hint="supported: <%= ENV['X'] %>, <%= ENV.fetch('X', 'default') %>, <%# comment %>, "
            "<% if ENV.get('X') %>…<% endif %>",
        ) from exc
    # from_string compiles with filename "<template>"; recompile under the real path so frames
    # carry it (line lookups) and tracebacks in `inv -d` point at the template.
    code = env.compile(source, name=name, filename=template_path)
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    state.line_of = template.get_corresponding_lineno

    def tracked(helper: Callable[..., str] | None, label: str) -> Callable[..., str]:
        def call(*args: Any, **kwargs: Any) -> str:
            if helper is None:
                raise TemplateProblem(f"{template_path}: {label}() is not available here")
            state.used_secret_helper = True
            return helper(*args, **kwargs)

        return call

    workspace = detect_workspace(environ)
    context = {
        "ENV": TemplateEnv(environ, state),
        "ssm": tracked(ssm, "ssm"),
        "secret": tracked(secret, "secret"),
        "workspace_url": workspace.url,
        "workspace_kind": workspace.kind,
    }
    try:
        text = template.render(context)
    except SecurityError as exc:
        raise TemplateProblem(f"{template_path}: refused by the template sandbox: {exc}") from exc
    except UndefinedError as exc:
        line = _line_from_traceback(exc, template_path)
        where = f"{template_path}:{line}" if line else template_path
        raise TemplateProblem(f"{where}: {exc.message}", hint="only ENV, ssm(), secret() and "
                              "workspace_url() are available in templates") from exc
    if state.missing:
        first, rest = state.missing[0], state.missing[1:]
        more = f" (and {len(rest)} more: {', '.join(m.name for m in rest)})" if rest else ""
        raise TemplateProblem(
            f"{first}{more}",
            hint=f"export {first.name}=..., or pass --allow-missing to render it as empty",
        )
    return Rendered(name=name, text=text, holds_secrets=holds_secrets(text, state.used_secret_helper))


def _line_from_traceback(exc: BaseException, template_path: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template_path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def template_name(path: Path) -> str:
    """``erb_templates/sync.env.erb`` → ``sync``."""
    name = path.name
    for suffix in (".env.erb", ".erb"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
