"""Which kind of workspace we run in, and the public URL of a forwarded port there.

Pure functions over an environment mapping: the same code answers for env templates
(``workspace_url(3000)``), ``inv workspace.origin`` and CORS allow-lists.
It sits below both ``envfiles/`` and ``workspace/`` (which renders env files), so neither imports
the other's package upward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CODESPACES_DEFAULT_DOMAIN = "app.github.dev"


@dataclass(frozen=True)
class Workspace:
    kind: str  # "gitpod" | "codespaces" | "local"
    name: str | None = None
    host: str | None = None  # cluster host / port-forwarding domain

    def url(self, port: int) -> str:
        """The origin a browser uses to reach ``port`` in this workspace (no trailing slash)."""
        if self.kind == "gitpod":
            return f"https://{port}-{self.name}.{self.host}"
        if self.kind == "codespaces":
            return f"https://{self.name}-{port}.{self.host}"
        return f"http://localhost:{port}"


def detect_workspace(environ: Mapping[str, str]) -> Workspace:
    """Gitpod when its workspace id and cluster host are set, Codespaces when a codespace name is
    set, otherwise a plain machine reached on localhost."""
    gitpod_id = environ.get("GITPOD_WORKSPACE_ID")
    gitpod_host = environ.get("GITPOD_WORKSPACE_CLUSTER_HOST")
    if gitpod_id and gitpod_host:
        return Workspace(kind="gitpod", name=gitpod_id, host=gitpod_host)
    codespace = environ.get("CODESPACE_NAME")
    if codespace:
        domain = environ.get("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN") or CODESPACES_DEFAULT_DOMAIN
        return Workspace(kind="codespaces", name=codespace, host=domain)
    return Workspace(kind="local")
