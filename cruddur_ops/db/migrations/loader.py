"""Load an old-format migration file and get its SQL, without importing the backend.

The bootcamp files look like this::

    from lib.db import db

    class AddBioColumnMigration:
      def migrate_sql():
        return "ALTER TABLE public.users ADD COLUMN bio text;"
      def rollback_sql():
        return "ALTER TABLE public.users DROP COLUMN bio;"
      def migrate():
        db.query_commit(AddBioColumnMigration.migrate_sql(), {})
      ...
    migration = AddBioColumnMigration

``lib.db`` imports Flask and opens a connection pool at import time, so importing these files
the normal way needs the whole backend. Instead the source is executed in a fresh module
namespace whose ``__builtins__`` carry their own ``__import__``: ``lib`` and ``lib.*`` resolve to
inert stub modules, every other import goes to the real importer. Nothing is added to
``sys.modules`` or to the process-wide builtins, so the sandbox exists only for that one
``exec`` (and concurrent loads cannot see each other's stubs). The stub ``db`` refuses to be used:
we only ever call ``migrate_sql()``/``rollback_sql()``, which return strings.

This is isolation from the backend, not a security boundary: migration files are code from the
repository and run with the operator's rights, exactly as before.
"""

from __future__ import annotations

import builtins
import inspect
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigError

STUB_PACKAGES = ("lib",)  # the backend's package of helpers (lib.db, lib.cognito_jwt_token, ...)


class _UnavailableBackend:
    """Stands in for ``lib.db.db`` (and anything else under ``lib``) inside a migration file."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _UnavailableBackend(f"{self._name}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ConfigError(
            f"{self._name}() is not available: cruddur-ops runs migrate_sql()/rollback_sql() itself",
            hint="migrate_sql() and rollback_sql() must only return SQL text",
        )


class _StubModule(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _UnavailableBackend(f"{self.__name__}.{attribute}")


def _stub_modules(fullname: str, cache: dict[str, types.ModuleType]) -> types.ModuleType:
    """``lib.db`` → stub modules ``lib`` and ``lib.db`` linked as package and attribute."""
    parts = fullname.split(".")
    parent: types.ModuleType | None = None
    for index in range(len(parts)):
        name = ".".join(parts[: index + 1])
        module = cache.get(name)
        if module is None:
            module = cache[name] = _StubModule(name)
            module.__path__ = []  # a package, so `import lib.db` is well-formed
        if parent is not None:
            setattr(parent, parts[index], module)
        parent = module
    return cache[fullname]


def _sandboxed_import(cache: dict[str, types.ModuleType]) -> Any:
    real_import = builtins.__import__

    def sandboxed(name: str, globals: Any = None, locals: Any = None,
                  fromlist: Any = (), level: int = 0) -> Any:
        if level == 0 and name.split(".", 1)[0] in STUB_PACKAGES:
            leaf = _stub_modules(name, cache)
            # `import lib.db` binds the top package; `from lib.db import db` wants the leaf.
            return leaf if fromlist else cache[name.split(".", 1)[0]]
        return real_import(name, globals, locals, fromlist, level)

    return sandboxed


def load_module(path: Path, source: str | None = None) -> types.ModuleType:
    """Execute a migration file in an isolated namespace (see the module docstring)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    module = types.ModuleType(f"cruddur_migration_{path.stem}")
    module.__file__ = str(path)
    sandbox_builtins = dict(vars(builtins))
    sandbox_builtins["__import__"] = _sandboxed_import({})
    module.__dict__["__builtins__"] = sandbox_builtins
    try:
        code = compile(text, str(path), "exec")
        exec(code, module.__dict__)
    except SyntaxError as exc:
        raise ConfigError(
            f"cannot load migration {path.name}: syntax error on line {exc.lineno}: {exc.msg}",
            hint="fix the file; it must stay a valid Python module",
        ) from exc
    except ImportError as exc:
        raise ConfigError(
            f"cannot load migration {path.name}: it imports {exc.name or exc}, which is not available",
            hint="migration files may import only `lib.db` (stubbed) and the standard library",
        ) from exc
    except Exception as exc:  # any error raised by module-level code in the file
        raise ConfigError(
            f"cannot load migration {path.name}: {type(exc).__name__}: {exc}",
            hint="module-level code in a migration file must only define the migration class",
        ) from exc
    return module


def _call_sql(owner_or_instance: Any, method: str, path: Path) -> str:
    """Call ``migrate_sql``/``rollback_sql`` the way the old files define them.

    They are usually plain functions *without* ``self`` on a class (``Klass.migrate_sql()``);
    we also accept static/class methods, ordinary methods (on an instance, or on a class we can
    instantiate without arguments) and a plain string attribute.
    """
    owner = owner_or_instance if isinstance(owner_or_instance, type) else type(owner_or_instance)
    try:
        raw = inspect.getattr_static(owner, method)
    except AttributeError:
        raise ConfigError(
            f"migration {path.name}: {owner.__name__} has no {method}()",
            hint="old-format migrations define migrate_sql() and rollback_sql() returning SQL",
        ) from None
    try:
        if isinstance(raw, str):
            result: Any = raw
        elif isinstance(raw, staticmethod):
            result = raw.__func__()
        elif isinstance(raw, classmethod):
            result = raw.__func__(owner)
        elif inspect.isfunction(raw):
            positional = [
                p for p in inspect.signature(raw).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
            ]
            if not positional:
                result = raw()
            else:
                instance = owner_or_instance if owner_or_instance is not owner else owner()
                result = raw(instance)
        else:
            result = getattr(owner_or_instance, method)()
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"migration {path.name}: {method}() raised {type(exc).__name__}: {exc}",
            hint=f"{method}() must return the SQL text and do nothing else",
        ) from exc
    if result is None:
        result = ""
    if not isinstance(result, str):
        raise ConfigError(
            f"migration {path.name}: {method}() returned {type(result).__name__}, not SQL text",
            hint=f"make {method}() return a string of SQL",
        )
    return result


@dataclass(frozen=True)
class LoadedMigration:
    migrate_sql: str
    rollback_sql: str
    class_name: str
    # `transactional = False` on the class: statements run one by one in autocommit
    # (CREATE INDEX CONCURRENTLY cannot run inside a transaction).
    transactional: bool = True
    # `statement_timeout = "30min"` on the class: overrides DB_STATEMENT_TIMEOUT for this migration.
    statement_timeout: str | None = None


def _option(owner: type, name: str, kinds: tuple[type, ...], path: Path) -> Any:
    try:
        value = inspect.getattr_static(owner, name)
    except AttributeError:
        return None
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(
            f"migration {path.name}: {owner.__name__}.{name} is {type(value).__name__}, not {wanted}",
            hint="`transactional = False` (a bool); `statement_timeout = \"30min\"` (text, or seconds)",
        )
    return value


def load_migration(path: Path, source: str | None = None) -> LoadedMigration:
    """Both SQL texts of an old-format migration file."""
    module = load_module(path, source)
    target = module.__dict__.get("migration")
    if target is None:
        raise ConfigError(
            f"migration {path.name} defines no `migration`",
            hint="end the file with `migration = YourMigrationClass`, as `inv db.new` writes it",
        )
    owner = target if isinstance(target, type) else type(target)
    transactional = _option(owner, "transactional", (bool,), path)
    timeout = _option(owner, "statement_timeout", (str, int, float), path)
    return LoadedMigration(
        migrate_sql=_call_sql(target, "migrate_sql", path),
        rollback_sql=_call_sql(target, "rollback_sql", path),
        class_name=owner.__name__,
        transactional=True if transactional is None else transactional,
        statement_timeout=None if timeout is None else str(timeout),
    )
