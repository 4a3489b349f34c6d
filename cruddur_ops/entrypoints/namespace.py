"""The task namespace shared by ``tasks.py`` (``inv``) and the ``cruddur-ops`` console script."""

from __future__ import annotations

from invoke import Collection

from ..cli.optional_positional import install as install_optional_positional
from ..tasks import cfn, db, env, frontend, rds, workspace


def build_namespace() -> Collection:
    install_optional_positional()  # `inv env.render` and `inv env.render sync` both work
    ns = Collection()
    for module in (env, frontend, cfn, rds, db, workspace):
        ns.add_collection(module.collection)
    # Defaults every task can read from ctx.config.cruddur; invoke.yaml overrides them.
    ns.configure({"cruddur": {}})
    name_tasks(ns)
    return ns


def name_tasks(ns: Collection) -> None:
    """Give each task body its dotted name (``frontend.sync``) for step summaries and annotations."""
    for name in ns.task_names:
        body = ns[name].body
        if hasattr(body, "__wrapped__"):  # an ops_task wrapper
            setattr(body, "task_name", name)  # noqa: B010  (a function attribute)


namespace = build_namespace()
