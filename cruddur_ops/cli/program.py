"""The ``cruddur-ops`` console script: the same tasks as ``inv`` in a checkout, anywhere."""

from __future__ import annotations

from invoke import Program

from .. import __version__
from .bytecode import restore_bytecode_cache
from .namespace import namespace


class OpsProgram(Program):
    def parse_core(self, argv: list[str] | None) -> None:
        super().parse_core(argv)
        restore_bytecode_cache()  # invoke just turned it off; tasks import lazily after this


program = OpsProgram(namespace=namespace, name="cruddur-ops", binary="cruddur-ops", version=__version__)


def main() -> None:
    program.run()
