"""Optional positional task arguments for invoke (``inv env.render`` and ``inv env.render sync``).

Invoke cannot express a positional argument that may be omitted (pyinvoke/invoke#159, open since
2014; PR #635 proposes exactly this): a positional with a default is never filled from the command
line, and one without a default is an error when omitted. We follow PR #635's semantics: a
parameter listed in both ``positional=`` and ``optional=`` (and defaulting to ``None``) takes the
next token when one is given, and is ``""`` when omitted.

The change is one wrapper around ``ParseMachine.complete_context``, installed once on import of
the task namespace, and it only touches arguments that are positional *and* optional — a
combination that stock invoke never produces for positional arguments. With the patches off,
stock invoke asks for the argument: ``inv env.render`` needs a NAME.

Tests: tests/unit/test_patches_switch.py parses ``env.render`` without a NAME through both
entry points, patched and not; tests/integration/test_foundation.py renders with a NAME.
"""

from __future__ import annotations

from typing import Any

from invoke.parser.parser import ParseMachine

from . import enabled

_MARK = "_cruddur_optional_positional"


def install() -> None:
    if not enabled():
        return
    if getattr(ParseMachine.complete_context, _MARK, False):
        return
    original = ParseMachine.complete_context

    def complete_context(self: Any) -> None:
        context = self.context
        if context is not None:
            for argument in context.positional_args:
                if argument.optional and argument.value is None:
                    argument.default = ""  # omitted: no longer "missing"
        original(self)

    setattr(complete_context, _MARK, True)
    ParseMachine.complete_context = complete_context  # type: ignore[method-assign]
