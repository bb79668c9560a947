"""`iqgateway watch HOST`: a live table of the system's power flows, refreshed every few seconds.

Values kept from an earlier answer show their age in red; once the live power has been stale for the
library's budget of updates, `--once`/`--count` end with the one-line error (exit code 5) and the live
screen says so and keeps trying.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..errors import CommunicationError, IQGatewayError
from ..models import Feature
from ..schedule import LIVE_POWER_PATH
from .arguments import check_positive_seconds
from .connect import (
    HOST_HELP,
    Credentials,
    DebugOption,
    HostArgument,
    PasswordOption,
    TokenOption,
    UsernameOption,
    connected,
    credentials_for,
    run_async,
)
from .failures import describe
from .progress import Spinner
from .units import ENERGY, POWER, column

if TYPE_CHECKING:
    from ..gateway import Gateway
    from ..live import LivePower
    from ..models import GatewayData


def register(app: typer.Typer) -> None:
    app.command("watch", help="Show power flows live (production, consumption, grid, battery).\n\n" + HOST_HELP)(
        watch)


def watch(
    host: HostArgument,
    *,
    interval: Annotated[
        float, typer.Option("--interval", "-i", min=1.0, metavar="SECONDS", callback=check_positive_seconds,
                            help="Seconds between refreshes.")
    ] = 10.0,
    once: Annotated[bool, typer.Option("--once", help="Print one table and exit.")] = False,
    count: Annotated[
        int | None, typer.Option("--count", "-n", min=1, metavar="N", help="Stop after this many refreshes.",
                                 show_default=False)
    ] = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    debug: DebugOption = False,
) -> None:
    address, credentials = credentials_for(host, username, password, token)
    refreshes = 1 if once else count
    run_async(_watch(address, credentials, interval, refreshes, Console()), debug=debug, host=address,
              secrets=(credentials.password, token))


async def _watch(host: str, credentials: Credentials, interval: float, refreshes: int | None,
                 console: Console) -> None:
    spinner = Spinner(True)
    async with spinner, connected(host, credentials, on_request=spinner.request) as gateway:
        spinner.phase("probing")
        await gateway.probe()
        spinner.phase("reading")
        watcher = _Watcher(gateway, await _live_power(gateway), host, interval, console)
        data = await watcher.update()
        spinner.stop()
        if refreshes is not None or not console.is_terminal:
            await watcher.plain(data, refreshes)
        else:
            await watcher.screen(data)


@dataclasses.dataclass(slots=True)
class _Watcher:
    gateway: Gateway
    live: LivePower | None
    host: str
    interval: float
    console: Console

    async def update(self) -> GatewayData:
        data = await self.gateway.update()
        if self.live is None:
            return data
        try:
            flows = await self.live.poll()
        except IQGatewayError:
            return data  # the live rows are a bonus: the regular update says whether the device is there
        return dataclasses.replace(data, live=flows)

    async def plain(self, data: GatewayData, refreshes: int | None) -> None:
        """One table per refresh (tests, pipes); a device gone for good ends the command with its error."""
        done = 0
        while True:
            self.console.print(power_table(self.host, data, self.interval))
            done += 1
            if refreshes is not None and done >= refreshes:
                return
            await asyncio.sleep(self.interval)
            data = await self.update()

    async def screen(self, data: GatewayData) -> None:
        """The live screen: a device that is gone is said in red, and asked again every interval."""
        with Live(power_table(self.host, data, self.interval), console=self.console, auto_refresh=False) as screen:
            while True:
                await asyncio.sleep(self.interval)
                try:
                    data = await self.update()
                    screen.update(power_table(self.host, data, self.interval), refresh=True)
                except CommunicationError as err:
                    table = power_table(self.host, data, self.interval)
                    table.caption = Text(f"{describe(err)}; trying again every {self.interval:g} s",
                                         style="bold red")
                    screen.update(table, refresh=True)


async def _live_power(gateway: Gateway) -> LivePower | None:
    features = gateway.features
    if features is None or Feature.LIVE_DATA not in features:
        return None
    from ..live import LivePower

    live = LivePower(gateway)
    return live if await live.start() else None


def _power_staleness(data: GatewayData, now: float) -> tuple[bool, float | None]:
    """(the power figures are kept from an earlier answer, their age in seconds)."""
    paths = {data.features.production_source, LIVE_POWER_PATH}
    stale = any(status.stale for path, status in data.endpoints.items() if path in paths)
    at = data.parts_updated_at.get("production") or data.updated_at
    return stale, (max(0.0, now - at) if at else None)


def power_table(host: str, data: GatewayData, interval: float = 10.0, now: float | None = None) -> Table:
    """Rows of what flows where now, with today's and lifetime energy where the device counts them."""
    now = time.time() if now is None else now
    stale, age = _power_staleness(data, now)
    stamp = time.strftime("%H:%M:%S", time.localtime(data.updated_at)) if data.updated_at else "?"
    title = f"Envoy {data.info.serial} - {stamp}"
    style = ""
    if stale:
        title += f" - stale, no new power reading for {age:.0f} s" if age is not None else " - stale"
        style = "red" if age is not None and age >= 2 * interval else "dim"
    rows: list[tuple[str, float | None, float | None, float | None]] = []
    for label, reading in (("Production", data.production), ("Consumption", data.consumption_total),
                           ("Grid (net, + = import)", data.consumption_net)):
        if reading is not None:
            rows.append((label, reading.watts_now, reading.wh_today, reading.wh_lifetime))
    if data.inverters:
        reporting = [inv.last_report_watts for inv in data.inverters.values() if inv.last_report_watts is not None]
        rows.append((f"Microinverters ({len(data.inverters)})", sum(reporting) if reporting else None, None, None))
    if data.live is not None:
        for label, meter in (("Live: solar", data.live.pv), ("Live: battery (- = charging)", data.live.storage),
                             ("Live: grid (- = export)", data.live.grid), ("Live: home", data.live.load),
                             ("Live: generator", data.live.generator)):
            if meter is not None and meter.power_w is not None:
                rows.append((label, meter.power_w, None, None))
    power_unit, power_cells = column([r[1] for r in rows], POWER)
    today_unit, today_cells = column([r[2] for r in rows], ENERGY)
    life_unit, life_cells = column([r[3] for r in rows], ENERGY)
    caption = f"{host}, firmware {data.info.firmware}"
    soc = _battery_soc(data)
    if soc is not None:
        caption += f", battery {soc:.0f} %"
    table = Table(title=title, caption=caption, title_style=style or None)
    table.add_column("Flow")
    table.add_column(f"Power ({power_unit})", justify="right")
    table.add_column(f"Today ({today_unit})", justify="right")
    table.add_column(f"Lifetime ({life_unit})", justify="right")
    for (label, _p, today, life), power_cell, today_cell, life_cell in zip(
            rows, power_cells, today_cells, life_cells, strict=True):
        table.add_row(label, power_cell, today_cell if today is not None else "",
                      life_cell if life is not None else "", style=style or None)
    return table


def _battery_soc(data: GatewayData) -> float | None:
    for part in (data.encharge_aggregate, data.battery_aggregate, data.acb):
        if part is not None and part.soc_percent is not None:
            return part.soc_percent
    return None
