"""The ``cruddur-ops`` console script: the same tasks as ``inv`` in a checkout, anywhere."""

from __future__ import annotations

from invoke import Program

from .. import __version__
from ..patches.cli_process import prepare_cli_process
from .namespace import namespace


class OpsProgram(Program):
    def parse_core(self, argv: list[str] | None) -> None:
        super().parse_core(argv)
        prepare_cli_process()  # invoke just turned bytecode off; tasks import lazily after this


program = OpsProgram(namespace=namespace, name="cruddur-ops", binary="cruddur-ops", version=__version__)


def main() -> None:
    program.run()
