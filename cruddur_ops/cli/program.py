"""The ``cruddur-ops`` console script: the same tasks as ``inv`` in a checkout, anywhere."""

from __future__ import annotations

from invoke import Program

from .. import __version__
from .namespace import namespace

program = Program(namespace=namespace, name="cruddur-ops", binary="cruddur-ops", version=__version__)


def main() -> None:
    program.run()
