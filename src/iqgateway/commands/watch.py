"""`iqgateway watch HOST`: a live table of the system's power flows, refreshed every few seconds."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from .connect import Credentials, DebugOption, PasswordOption, TokenOption, UsernameOption, connected, run_async

if TYPE_CHECKING:
    from ..models import EnergyReading, GatewayData, LiveMeter


def register(app: typer.Typer) -> None:
    app.command("watch", help="Show power flows live (production, consumption, grid, battery).")(watch)


def watch(
    host: Annotated[str, typer.Argument(help="Envoy address: IP, host:port or https://host:port.")],
    *,
    interval: Annotated[float, typer.Option("--interval", "-i", min=1.0, help="Seconds between refreshes.")] = 10.0,
    once: Annotated[bool, typer.Option("--once", help="Print one table and exit.")] = False,
    count: Annotated[
        int | None, typer.Option("--count", "-n", min=1, help="Stop after this many refreshes.", show_default=False)
    ] = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    debug: DebugOption = False,
) -> None:
    credentials = Credentials(username, password, token)
    refreshes = 1 if once else count
    run_async(_watch(host, credentials, interval, refreshes, Console()), debug=debug)


async def _watch(host: str, credentials: Credentials, interval: float, refreshes: int | None, console: Console) -> None:
    async with connected(host, credentials) as gateway:
        await gateway.probe()
        data = await gateway.update()
        if refreshes is not None or not console.is_terminal:
            # Plain output (tests, pipes): one table per refresh.
            done = 0
            while True:
                console.print(power_table(host, data))
                done += 1
                if refreshes is not None and done >= refreshes:
                    return
                await asyncio.sleep(interval)
                data = await gateway.update()
        with Live(power_table(host, data), console=console, auto_refresh=False) as live:
            while True:
                await asyncio.sleep(interval)
                data = await gateway.update()
                live.update(power_table(host, data), refresh=True)


def power_table(host: str, data: GatewayData) -> Table:
    """Rows of what flows where now, with today's and lifetime energy where the device counts them."""
    stamp = time.strftime("%H:%M:%S", time.localtime(data.updated_at)) if data.updated_at else "?"
    table = Table(title=f"Envoy {data.info.serial} - {stamp}", caption=f"{host}, firmware {data.info.firmware}")
    table.add_column("Flow")
    table.add_column("Power", justify="right")
    table.add_column("Today", justify="right")
    table.add_column("Lifetime", justify="right")
    _energy_row(table, "Production", data.production)
    _energy_row(table, "Consumption", data.consumption_total)
    _energy_row(table, "Grid (net, + = import)", data.consumption_net)
    if data.inverters:
        reporting = [inv.last_report_watts for inv in data.inverters.values() if inv.last_report_watts is not None]
        table.add_row(f"Microinverters ({len(data.inverters)})", watts(sum(reporting) if reporting else None), "", "")
    soc = _battery_soc(data)
    if soc is not None:
        table.add_row("Battery charge", f"{soc:.0f} %", "", "")
    if data.live is not None:
        for label, meter in (
            ("Live: solar", data.live.pv),
            ("Live: battery (- = charging)", data.live.storage),
            ("Live: grid (- = export)", data.live.grid),
            ("Live: home", data.live.load),
            ("Live: generator", data.live.generator),
        ):
            _live_row(table, label, meter)
    return table


def _energy_row(table: Table, label: str, reading: EnergyReading | None) -> None:
    if reading is None:
        return
    table.add_row(label, watts(reading.watts_now), kwh(reading.wh_today), kwh(reading.wh_lifetime))


def _live_row(table: Table, label: str, meter: LiveMeter | None) -> None:
    if meter is not None and meter.power_w is not None:
        table.add_row(label, watts(meter.power_w), "", "")


def _battery_soc(data: GatewayData) -> float | None:
    for part in (data.encharge_aggregate, data.battery_aggregate, data.acb):
        if part is not None and part.soc_percent is not None:
            return part.soc_percent
    return None


def watts(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} W"


def kwh(value_wh: float | None) -> str:
    return "-" if value_wh is None else f"{value_wh / 1000:,.3f} kWh"
