"""cfn-lint through its Python API: findings as data; errors stop a deploy, warnings do not.

(The old `bin/cfn/*` ran the cfn-lint CLI under `set -e`, so a mere warning aborted a deploy.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LintFinding:
    level: str  # "error" | "warning" | "informational"
    rule_id: str
    path: str
    line: int
    column: int
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def lint_template(path: Path, *, region: str | None = None, shown_path: str | None = None) -> list[LintFinding]:
    """Lint one template file for ``region`` (resource specs differ per region)."""
    try:
        from cfnlint.api import ManualArgs, lint_file
    except ImportError as exc:
        from .template import missing_cfn_lint

        raise missing_cfn_lint() from exc

    config = ManualArgs(regions=[region]) if region else None
    findings = []
    for match in lint_file(path, config=config):
        level = str(getattr(match.rule, "severity", "error") or "error").lower()
        findings.append(
            LintFinding(
                level=level,
                rule_id=str(match.rule.id),
                path=shown_path or str(match.filename or path),
                line=int(match.linenumber or 0),
                column=int(match.columnnumber or 0),
                message=str(match.message),
            )
        )
    return findings


def errors_of(findings: list[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.is_error]
