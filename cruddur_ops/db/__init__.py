"""Database operations for Cruddur: targets (dev/prod), admin actions, SQL files, migrations.

Layout (DESIGN §3): ``settings`` turns the resolved configuration into typed db settings,
``target`` resolves where to connect (from plain settings values),
``connection`` turns psycopg failures into :class:`~cruddur_ops.errors.DatabaseError`,
``scripts`` runs SQL files, ``admin`` creates/drops databases and lists sessions, ``psql`` builds
the interactive client's command line, ``migrations/`` is the migrator, ``render`` draws tables.
Nothing here reads ``os.environ`` or imports invoke.
"""
