"""The `iqgateway` console script: `--version` with the library alone, the command line when its extras are in.

The package index's `iqgateway` carries only the library's dependencies; the command line, the simulator and
the export come with the extras `cli`, `simulator` and `export`. A missing one is named in one line.
"""

from __future__ import annotations

import sys

from .version import package_version

EXIT_MISSING_EXTRA = 1
# the commands whose extra is not `cli` (each extra holds all its commands need, the command line included)
EXTRA_OF_COMMAND = {"simulate": "simulator", "export": "export"}


def missing_extra(argv: list[str]) -> str:
    """The extra that installs what the command in `argv` needs."""
    return EXTRA_OF_COMMAND.get(argv[0], "cli") if argv else "cli"


def main() -> None:
    """Entry point of the `iqgateway` console script."""
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        print(f"iqgateway {package_version()}")
        return
    try:
        from .cli import main as cli_main

        cli_main()
    except ModuleNotFoundError as err:
        if not err.name or err.name.split(".")[0] == "iqgateway":
            raise
        extra = missing_extra(argv)
        command = " ".join(["iqgateway", *argv[:1]])
        print(f"{command}: needs the '{extra}' extra ({err.name} is not installed): "
              f"pip install 'iqgateway[{extra}]'", file=sys.stderr)
        sys.exit(EXIT_MISSING_EXTRA)
