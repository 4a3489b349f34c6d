"""The task namespace shared by ``tasks.py`` (``inv``) and the ``cruddur-ops`` console script."""

from __future__ import annotations

from invoke import Collection

from ..patches.invoke_optional_positional import install as install_optional_positional
from ..tasks import cfn, db, env, frontend, rds, workspace


def build_namespace() -> Collection:
    install_optional_positional()  # `inv env.render` and `inv env.render sync` both work
    ns = Collection()
    for module in (env, frontend, cfn, rds, db, workspace):
        ns.add_collection(module.collection)
    # Defaults every task can read from ctx.config.cruddur; invoke.yaml overrides them.
    ns.configure({"cruddur": {}})
    return ns


namespace = build_namespace()
