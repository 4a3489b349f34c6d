"""The ``cruddur-ops`` console script: the same tasks as ``inv`` in a checkout, anywhere."""

from __future__ import annotations

from invoke import Program

from .. import __version__
from ..patches.cli_process import prepare_cli_process
from .namespace import build_namespace


class OpsProgram(Program):
    def parse_core(self, argv: list[str] | None) -> None:
        super().parse_core(argv)
        prepare_cli_process()  # invoke just turned bytecode off; tasks import lazily after this

    def normalize_argv(self, argv: list[str] | None) -> None:
        super().normalize_argv(argv)
        # only the task modules this command line names (see entrypoints/namespace.py); set before the
        # core flags are parsed, which differ for a program with a bundled namespace
        self.namespace = build_namespace(self.argv[1:])


program = OpsProgram(name="cruddur-ops", binary="cruddur-ops", version=__version__)


def main() -> None:
    program.run()
