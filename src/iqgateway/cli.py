"""The `iqgateway` command: read a gateway, show its identity, run the simulator.

    iqgateway read HOST [--username U] [--password P] [--token T] [--tz ZONE] [--state FILE] [--json] [--debug]
    iqgateway info HOST
    iqgateway simulate ...   (iqgateway.simulator.cli)
    iqgateway discover | watch | capture   (iqgateway.commands)

HOST is "192.168.1.5", "host:port" or a URL with its scheme ("https://127.0.0.1:8443"; then
exactly that scheme is used). Credentials may also come from IQGATEWAY_USERNAME,
IQGATEWAY_PASSWORD and IQGATEWAY_TOKEN. Errors are one line on stderr, exit code 1.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table

from .commands import export as export_command
from .commands import register_all as register_device_commands
from .derived.daily_store import LOCAL, load_state, save_state, site_zone
from .errors import IQGatewayError, UnsupportedFirmware
from .firmware import uses_tokens
from .gateway import Gateway
from .models import DeviceInfo, GatewayData
from .simulator import cli as simulator_cli
from .snapshot import snapshot_dict
from .version import package_version

T = TypeVar("T")

# the whole `read` (identity, auth, probe, first update) ends within this many seconds
READ_BUDGET_S = 55.0

app = typer.Typer(
    name="iqgateway",
    help="Read and control Enphase IQ Gateways (Envoy) on your network; run an Envoy simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"iqgateway {package_version()}")
        raise typer.Exit


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Read and control Enphase IQ Gateways (Envoy) on your network; run an Envoy simulator."""


HostArg = Annotated[str, typer.Argument(help="Gateway address: IP, host:port, or URL with scheme.", show_default=False)]
UsernameOpt = Annotated[
    str | None,
    typer.Option("--username", "-u", envvar="IQGATEWAY_USERNAME", show_default=False,
                 help="Local user (installer/envoy, firmware < 7) or Enlighten e-mail (firmware >= 7)."),
]
PasswordOpt = Annotated[
    str | None,
    typer.Option("--password", "-p", envvar="IQGATEWAY_PASSWORD", show_default=False, show_envvar=True,
                 help="Password (installer's is derived from the serial when left out)."),
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", "-t", envvar="IQGATEWAY_TOKEN", show_default=False, show_envvar=True,
                 help="Enphase token (JWT) for firmware >= 7."),
]
TzOpt = Annotated[
    str,
    typer.Option("--tz", help="The site's time zone (IANA name, or 'local'): today and last seven days are "
                              "rebuilt from the lifetime counters at its midnights."),
]
StateOpt = Annotated[
    Path | None,
    typer.Option("--state", show_default=False, dir_okay=False,
                 help="JSON file keeping the midnight closes between runs (read before, written after)."),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Log every request (never secrets); tracebacks on errors.")]


class _Failed(Exception):
    """An error already reported to the user."""


def _setup_logging(debug: bool) -> None:
    if not debug:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("iqgateway").setLevel(logging.DEBUG)


def _fail(err: BaseException, debug: bool) -> typer.Exit:
    """Print one line for the error (a traceback too with --debug); exit code 1."""
    if debug:
        import traceback

        traceback.print_exception(err, file=sys.stderr)
    if isinstance(err, IQGatewayError):
        message = str(err)
        if isinstance(err, UnsupportedFirmware) and err.firmware and err.firmware not in message:
            message = f"{message} (firmware {err.firmware})"
    elif isinstance(err, TimeoutError):
        message = f"no result within {READ_BUDGET_S:g} s"
    else:
        message = f"internal error ({type(err).__name__}); run with --debug for details"
    typer.echo(f"iqgateway: {message}", err=True)
    return typer.Exit(1)


def _run(debug: bool, work: Callable[[], Awaitable[T]]) -> T:
    _setup_logging(debug)

    async def bounded() -> T:
        async with asyncio.timeout(READ_BUDGET_S):
            return await work()

    try:
        return asyncio.run(bounded())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as err:  # noqa: BLE001 - every failure becomes one line (a traceback with --debug)
        raise _fail(err, debug) from None


def _dumps(doc: Any) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


@app.command()
def read(  # noqa: PLR0917 - typer maps parameters to options
    host: HostArg,
    username: UsernameOpt = None,
    password: PasswordOpt = None,
    token: TokenOpt = None,
    tz: TzOpt = LOCAL,
    state: StateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the snapshot as JSON.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Read a gateway once: identity, authentication, probe and one update."""

    async def work() -> GatewayData:
        gateway = Gateway(host, username=username, password=password, token=token, tz=site_zone(tz))
        try:
            saved = load_state(state) if state is not None else None
            if saved is not None:
                gateway.restore_daily(saved)
            await gateway.setup()
            await gateway.authenticate()
            await gateway.probe()
            data = await gateway.update()
            if state is not None and gateway.daily is not None:
                save_state(state, gateway.daily.to_state())
            return data
        finally:
            await gateway.close()

    data = _run(debug, work)
    if as_json:
        typer.echo(_dumps(snapshot_dict(data)))
    else:
        _summary(data)


@app.command()
def info(host: HostArg, as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
         debug: DebugOpt = False) -> None:
    """Show a gateway's identity (serial, firmware, part number) from /info; needs no credentials."""

    async def work() -> tuple[DeviceInfo, str]:
        gateway = Gateway(host)
        try:
            return await gateway.setup(), gateway.url
        finally:
            await gateway.close()

    identity, url = _run(debug, work)
    doc = {
        "url": url,
        "serial": identity.serial,
        "part_number": identity.part_number,
        "firmware": identity.firmware,
        "firmware_channel": identity.firmware_channel,
        "metered": identity.metered,
        "auth": "token" if uses_tokens(identity.firmware_version) else "digest or none",
    }
    if as_json:
        typer.echo(_dumps(doc))
        return
    console = Console()
    table = Table(show_header=False, box=None)
    for key, value in doc.items():
        table.add_row(key.replace("_", " "), "-" if value is None else str(value))
    console.print(table)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "W" and abs(value) >= 1000:
        return f"{value / 1000:.2f} kW"
    if unit == "Wh" and abs(value) >= 1000:
        return f"{value / 1000:.1f} kWh"
    return f"{value:g} {unit}"


def _summary(data: GatewayData) -> None:
    console = Console()
    info_ = data.info
    console.print(f"[bold]IQ Gateway {info_.serial}[/bold]  firmware {info_.firmware}  "
                  f"part {info_.part_number or '-'}  {data.phase_count} phase(s)")
    console.print("features: " + ", ".join(sorted(f.value for f in data.features.names)))
    energy = Table(title="Energy", show_lines=False)
    for column in ("", "now", "today", "last 7 days", "lifetime"):
        energy.add_column(column, justify="right" if column else "left")
    for label, reading in (("production", data.production), ("consumption", data.consumption_total),
                           ("net consumption", data.consumption_net)):
        if reading is not None:
            energy.add_row(label, _fmt(reading.watts_now, "W"), _fmt(reading.wh_today, "Wh"),
                           _fmt(reading.wh_last_seven_days, "Wh"), _fmt(reading.wh_lifetime, "Wh"))
    console.print(energy)
    if data.meters:
        meters = Table(title="CT meters")
        for column in ("type", "power", "voltage", "current", "frequency"):
            meters.add_column(column)
        for kind, meter in data.meters.items():
            meters.add_row(kind, _fmt(meter.active_power_w, "W"), _fmt(meter.voltage_v, "V"),
                           _fmt(meter.current_a, "A"), _fmt(meter.frequency_hz, "Hz"))
        console.print(meters)
    if data.inverters:
        total = sum(inv.last_report_watts or 0 for inv in data.inverters.values())
        console.print(f"inverters: {len(data.inverters)} reporting {_fmt(total, 'W')} in total")
    if data.encharge:
        socs = ", ".join(f"{serial} {_fmt(b.soc_percent, '%')}" for serial, b in data.encharge.items())
        console.print(f"IQ batteries: {socs}")
    if data.encharge_aggregate is not None:
        console.print(f"battery state of charge: {_fmt(data.encharge_aggregate.soc_percent, '%')}")
    if data.acb is not None:
        console.print(f"AC batteries: {data.acb.batteries or len(data.acb.units)}, "
                      f"state of charge {_fmt(data.acb.soc_percent, '%')}, {data.acb.state or '-'}")
    if data.enpower is not None:
        console.print(f"Enpower {data.enpower.serial_number}: grid relay {data.enpower.mains_admin_state or '-'}")
    if data.dry_contacts:
        console.print("relays: " + ", ".join(f"{rid} {r.status or '-'}" for rid, r in data.dry_contacts.items()))
    if data.storage_settings is not None:
        s = data.storage_settings
        grid = "-" if s.charge_from_grid is None else ("on" if s.charge_from_grid else "off")
        console.print(f"storage: mode {s.mode or '-'}, reserve {_fmt(s.reserve_soc_percent, '%')}, "
                      f"charge from grid {grid}")
    stale = [status.path for status in data.endpoints.values() if status.stale]
    if stale:
        console.print(f"[yellow]stale (kept from an earlier read): {', '.join(stale)}[/yellow]")


simulator_cli.register(app)
register_device_commands(app)  # discover, watch, capture
export_command.register(app)


def main() -> None:
    """Entry point of the `iqgateway` console script."""
    app()


if __name__ == "__main__":
    main()
