"""`iqgateway discover`: find Envoys on the local network by mDNS (`_enphase-envoy._tcp.local.`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .arguments import check_interfaces, check_positive_seconds
from .connect import DebugOption, run_async
from .failures import EXIT_ERROR

SERVICE_TYPE = "_enphase-envoy._tcp.local."
RESOLVE_TIMEOUT_MS = 3000


@dataclass(frozen=True, slots=True)
class FoundEnvoy:
    """One announced device: what its TXT record and address records say."""

    name: str
    serial: str | None
    firmware: str | None
    addresses: tuple[str, ...]
    port: int | None

    @property
    def host(self) -> str:
        """Where to point `iqgateway read`: the first address, with the port when it is not 80/443."""
        if not self.addresses:
            return "?"
        address = self.addresses[0]
        if ":" in address:
            address = f"[{address}]"
        return address if self.port in (None, 80, 443) else f"{address}:{self.port}"


def register(app: typer.Typer) -> None:
    app.command("discover", help="List Envoys announced on the local network (mDNS).")(discover)


def discover(
    *,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", callback=check_positive_seconds,
                                           help="Seconds to listen for announcements.")] = 5.0,
    interface: Annotated[
        list[str] | None,
        typer.Option("--interface", metavar="IP", callback=check_interfaces, show_default=False,
                     help="IPv4 address of an interface of this machine to browse on (repeatable; default: all)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    debug: DebugOption = False,
) -> None:
    found = run_async(browse(timeout, interface or None), debug=debug)
    if as_json:
        typer.echo(json.dumps([{**asdict(envoy), "host": envoy.host} for envoy in found], indent=2))
        if not found:
            raise typer.Exit(EXIT_ERROR)
        return
    console = Console()
    if not found:
        console.print(f"No Envoy answered within {timeout:g} s.")
        raise typer.Exit(EXIT_ERROR)
    table = Table(title=f"Envoys found ({len(found)})")
    for column in ("Serial", "Host", "Firmware", "Addresses"):
        table.add_column(column)
    for envoy in found:
        table.add_row(envoy.serial or "?", envoy.host, envoy.firmware or "?", ", ".join(envoy.addresses))
    console.print(table)


async def browse(seconds: float, interfaces: list[str] | None = None) -> list[FoundEnvoy]:
    """Listen `seconds` for announcements, then resolve each device found."""
    from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    names: list[str] = []

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is not ServiceStateChange.Removed and name not in names:
            names.append(name)

    chosen = interfaces if interfaces else InterfaceChoice.All
    zeroconf = AsyncZeroconf(interfaces=chosen, ip_version=IPVersion.V4Only)
    try:
        browser = AsyncServiceBrowser(zeroconf.zeroconf, [SERVICE_TYPE], handlers=[on_change])
        try:
            await asyncio.sleep(seconds)
        finally:
            await browser.async_cancel()
        found: list[FoundEnvoy] = []
        for name in names:
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if not await info.async_request(zeroconf.zeroconf, RESOLVE_TIMEOUT_MS):
                continue
            found.append(
                FoundEnvoy(
                    name=name,
                    serial=_text(info.properties.get(b"serialnum")),
                    firmware=_text(info.properties.get(b"protovers")),
                    addresses=tuple(info.parsed_addresses()),
                    port=info.port,
                )
            )
    finally:
        await zeroconf.async_close()
    return sorted(found, key=lambda envoy: (envoy.serial or "", envoy.name))


def _text(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if value is not None else None
