"""The `iqgateway` command: read a gateway, show its identity, run the simulator.

    iqgateway read HOST [--username U] [--password P] [--token T] [--tz ZONE] [--state FILE] [--json] [--debug]
    iqgateway info HOST
    iqgateway simulate ...   (iqgateway.simulator.cli)
    iqgateway discover | watch | capture   (iqgateway.commands)

HOST is "192.168.1.5", "host:port" or a URL with its scheme ("https://127.0.0.1:8443"; then
exactly that scheme is used). Credentials may also come from IQGATEWAY_USERNAME,
IQGATEWAY_PASSWORD and IQGATEWAY_TOKEN. Errors are one line on stderr (commands/failures.py has the
exit codes).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from .commands import export as export_command
from .commands import register_all as register_device_commands
from .commands.connect import (
    DebugOption,
    HostArgument,
    PasswordOption,
    TokenOption,
    UsernameOption,
    credentials_for,
    run_async,
)
from .commands.failures import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, line
from .commands.progress import Spinner
from .commands.units import ENERGY, POWER, column, unit_for
from .derived.daily_store import LOCAL, load_state, save_state, site_zone
from .firmware import uses_tokens
from .gateway import Gateway
from .models import DeviceInfo, GatewayData
from .probe import probe_paths
from .simulator import cli as simulator_cli
from .snapshot import snapshot_dict
from .version import package_version

# the whole `read` (identity, auth, probe, first update) ends within this many seconds
READ_BUDGET_S = 120.0

app = typer.Typer(
    name="iqgateway",
    help="Read and control Enphase IQ Gateways (Envoy) on your network; run an Envoy simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: metavars as given (HOST, SECONDS), no <bool>/<str> type labels
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


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
TzOption = Annotated[
    str,
    typer.Option("--tz", metavar="ZONE", help="The site's time zone (IANA name, or 'local'): today and last seven "
                                              "days are rebuilt from the lifetime counters at its midnights."),
]
StateOption = Annotated[
    Path | None,
    typer.Option("--state", metavar="FILE", show_default=False, dir_okay=False,
                 help="JSON file keeping the midnight closes between runs (read before, written after)."),
]


def _dumps(doc: Any) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


@app.command()
def read(  # noqa: PLR0917 - typer maps parameters to options
    host: HostArgument,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    tz: TzOption = LOCAL,
    state: StateOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Read a gateway once: identity, authentication, probe and one update.

    HOST is the Envoy's address: an IP, host:port, or a URL (https://host:port: exactly that scheme).
    """
    address, credentials = credentials_for(host, username, password, token)
    spinner = Spinner(not as_json)

    async def work() -> GatewayData:
        async with spinner:
            gateway = Gateway(address, username=credentials.username, password=credentials.password,
                              token=credentials.token, on_request=spinner.request, tz=site_zone(tz))
            try:
                saved = load_state(state) if state is not None else None
                if saved is not None:
                    gateway.restore_daily(saved)
                spinner.phase("reading the identity")
                info_ = await gateway.setup()
                spinner.phase("authenticating")
                await gateway.authenticate()
                spinner.phase(f"probing {len(probe_paths(info_))} endpoints")
                await gateway.probe()
                spinner.phase("reading")
                data = await gateway.update()
                if state is not None and gateway.daily is not None:
                    save_state(state, gateway.daily.to_state())
                return data
            finally:
                await gateway.close()

    data = run_async(work(), debug=debug, host=address, secrets=(credentials.password, token),
                     budget_s=READ_BUDGET_S)
    if as_json:
        typer.echo(_dumps(snapshot_dict(data)))
    else:
        _summary(data)


@app.command()
def info(host: HostArgument, as_json: JsonOption = False, debug: DebugOption = False) -> None:
    """Show a gateway's identity (serial, firmware, part number) from /info; needs no credentials.

    HOST is the Envoy's address: an IP, host:port, or a URL (https://host:port: exactly that scheme).
    """
    address, _ = credentials_for(host, None, None, None)
    spinner = Spinner(not as_json)

    async def work() -> tuple[DeviceInfo, str]:
        async with spinner:
            gateway = Gateway(address, on_request=spinner.request)
            try:
                spinner.phase("reading the identity")
                return await gateway.setup(), gateway.url
            finally:
                await gateway.close()

    identity, url = run_async(work(), debug=debug, host=address, budget_s=READ_BUDGET_S)
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
    """A figure with its unit (volts, amperes, hertz, percent), never "-0"."""
    if value is None:
        return "-"
    text = f"{value:g}"
    return f"{text.removeprefix('-') if text == '-0' else text} {unit}"


def _number(value: float | None) -> str:
    return _fmt(value, "").strip()


def _energy_table(data: GatewayData) -> Table:
    """Power and energy, one unit per column (scaled as Home Assistant shows them)."""
    rows = [(label, reading) for label, reading in (("production", data.production),
                                                    ("consumption", data.consumption_total),
                                                    ("net consumption", data.consumption_net))
            if reading is not None]
    columns = [column([r.watts_now for _, r in rows], POWER), column([r.wh_today for _, r in rows], ENERGY),
               column([r.wh_last_seven_days for _, r in rows], ENERGY),
               column([r.wh_lifetime for _, r in rows], ENERGY)]
    table = Table(title="Energy")
    table.add_column("")
    for name, (unit, _cells) in zip(("now", "today", "last 7 days", "lifetime"), columns, strict=True):
        table.add_column(f"{name} ({unit})", justify="right")
    for i, (label, _reading) in enumerate(rows):
        table.add_row(label, *(cells[i] for _unit, cells in columns))
    return table


def _summary(data: GatewayData) -> None:
    console = Console()
    info_ = data.info
    console.print(f"[bold]IQ Gateway {info_.serial}[/bold]  firmware {info_.firmware}  "
                  f"part {info_.part_number or '-'}  {data.phase_count} phase(s)")
    console.print("features: " + ", ".join(sorted(f.value for f in data.features.names)))
    console.print(_energy_table(data))
    if data.meters:
        power_unit, power_cells = column([m.active_power_w for m in data.meters.values()], POWER)
        meters = Table(title="CT meters")
        for name in ("type", f"power ({power_unit})", "voltage (V)", "current (A)", "frequency (Hz)"):
            meters.add_column(name, justify="left" if name == "type" else "right")
        for (kind, meter), power in zip(data.meters.items(), power_cells, strict=True):
            meters.add_row(kind, power, _number(meter.voltage_v), _number(meter.current_a),
                           _number(meter.frequency_hz))
        console.print(meters)
    if data.inverters:
        total = sum(inv.last_report_watts or 0 for inv in data.inverters.values())
        unit = unit_for([total], POWER)
        console.print(f"inverters: {len(data.inverters)} reporting {unit(total)} {unit.name} in total")
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


def run(args: list[str] | None = None) -> int:
    """Run the command line; a usage error is one `iqgateway: ...` line too (exit code 2)."""
    args = sys.argv[1:] if args is None else args
    try:
        result = app(args=args or ["--help"], prog_name="iqgateway", standalone_mode=False)
    except typer.Abort:
        return EXIT_INTERRUPTED
    except typer.TyperException as err:  # usage errors (bad or missing arguments) and other click errors
        ctx = getattr(err, "ctx", None)
        command = getattr(ctx, "command_path", None) or "iqgateway"
        code = getattr(err, "exit_code", EXIT_ERROR)
        hint = f" (see {command} --help)" if code == EXIT_USAGE else ""
        name = command.removeprefix("iqgateway").strip()
        line(f"{name + ': ' if name else ''}{err.format_message()}{hint}")
        return code if isinstance(code, int) else EXIT_ERROR
    return result if isinstance(result, int) else 0


def main() -> None:
    """Entry point of the `iqgateway` console script."""
    sys.exit(run())


if __name__ == "__main__":
    main()
