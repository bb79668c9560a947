"""`iqgateway capabilities HOST`: what these credentials, this firmware and this hardware allow."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ..capabilities import CapabilityReport, CapabilityState
from .connect import (
    HOST_HELP,
    DebugOption,
    HostArgument,
    PasswordOption,
    TokenOption,
    UsernameOption,
    connected,
    credentials_for,
    run_async,
)

# identity, authentication and the probe end within this many seconds
BUDGET_S = 120.0

_STYLE = {
    CapabilityState.AVAILABLE: "green",
    CapabilityState.NEEDS_INSTALLER: "yellow",
    CapabilityState.NOT_ON_FIRMWARE: "red",
    CapabilityState.NOT_ON_HARDWARE: "dim",
}


def register(app: typer.Typer) -> None:
    app.command("capabilities", help="Show what the credentials, firmware and hardware allow (installer "
                                     "controls, meter stream, storage and relay writes).\n\n" + HOST_HELP)(
        capabilities)


def capabilities(
    host: HostArgument,
    *,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    debug: DebugOption = False,
) -> None:
    address, credentials = credentials_for(host, username, password, token)

    async def work() -> CapabilityReport:
        async with connected(address, credentials) as gateway:
            await gateway.probe()
            report = gateway.capabilities
            assert report is not None
            return report

    report = run_async(work(), debug=debug, host=address, secrets=(credentials.password, token), budget_s=BUDGET_S)
    if as_json:
        typer.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    console = Console()
    console.print(f"role {report.role or 'unknown'}  firmware {report.firmware}")
    table = Table(title="Capabilities")
    for name in ("capability", "state", "why"):
        table.add_column(name)
    for capability in report.capabilities:
        style = _STYLE[capability.state]
        table.add_row(capability.name.value, f"[{style}]{capability.state.value}[/{style}]", capability.reason)
    console.print(table)
