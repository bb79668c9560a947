"""`iqgateway export CONFIG.toml`: follow many gateways into an MQTT broker and a Prometheus endpoint."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from .connect import DebugOption, run_async
from .failures import EXIT_USAGE, line


def register(app: typer.Typer) -> None:
    app.command(
        "export",
        help="Follow the gateways of CONFIG.toml into MQTT (Home Assistant discovery) and Prometheus /metrics."
             "\n\nCONFIG is the TOML configuration (docs/export.md).",
    )(export)


def export(
    config: Annotated[Path, typer.Argument(metavar="CONFIG", hidden=True, show_default=False)],
    *,
    check: Annotated[bool, typer.Option("--check", help="Check the configuration and exit.")] = False,
    debug: DebugOption = False,
) -> None:
    from ..export import ConfigError, load_config
    from ..export.service import missing_extra, run_export

    try:
        settings = load_config(config)
    except ConfigError as err:
        line(str(err))
        raise typer.Exit(EXIT_USAGE) from None
    missing = missing_extra(settings)
    if missing is not None:
        line(f"export: the export needs {missing}: pip install 'iqgateway[export]'")
        raise typer.Exit(EXIT_USAGE)
    if check:
        typer.echo(f"{config}: {len(settings.gateways)} gateway(s), every {settings.interval_s:g} s")
        return
    logging.getLogger("iqgateway.export").setLevel(logging.DEBUG if debug else logging.INFO)
    run_async(run_export(settings), debug=debug)
