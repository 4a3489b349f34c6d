"""The migrator: reads the old bootcamp migration files, orders them by true time, applies each
one in a single transaction together with its bookkeeping row, under a session advisory lock.

- :mod:`.versions` — timestamps as ``seconds.fraction`` (16 and 17 digit names sort correctly);
- :mod:`.loader` — loads old ``migrate_sql()``/``rollback_sql()`` classes without the backend;
- :mod:`.files` — discovers ``<digits>_<name>.py`` files and writes new ones (``db.new``);
- :mod:`.ledger` — the ``schema_migrations`` table and the old ``schema_information`` pointer;
- :mod:`.plan` — pure reconciliation (applied/pending/changed/missing) and migrate/rollback plans;
- :mod:`.lock` — the session advisory lock with a bounded wait;
- :mod:`.apply` — executors (Postgres, dry run); :mod:`.runner` ties them together under the lock.
"""
