"""What the device commands share: credential options, connecting a Gateway, one-line errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from .arguments import check_host, target
from .failures import EXIT_ERROR, EXIT_INTERRUPTED, exit_code, report

if TYPE_CHECKING:
    from ..gateway import Gateway

T = TypeVar("T")

__all__ = ["EXIT_ERROR", "Credentials", "connected", "credentials_for", "error_console", "exit_code", "run_async"]

# Typer labels every listed argument with its Python type (`HOST <str>`): HOST is described in each command's
# help instead (HOST_HELP) and left out of the argument list.
HOST_HELP = "HOST is the Envoy's address: an IP, host:port, or a URL (https://host:port: exactly that scheme)."
HostArgument = Annotated[
    str,
    typer.Argument(metavar="HOST", callback=check_host, show_default=False, hidden=True),
]
UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username", "-u", envvar="IQGATEWAY_USERNAME", show_default=False, metavar="USER",
        help="Enlighten e-mail (firmware 7+) or `installer`/`envoy` (older firmware; default installer, "
             "then envoy, with their derived passwords).",
    ),
]  # fmt: skip
PasswordOption = Annotated[
    str | None,
    typer.Option("--password", "-p", envvar="IQGATEWAY_PASSWORD", show_default=False, metavar="PASSWORD",
                 help="Password (never echoed)."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", "-t", envvar="IQGATEWAY_TOKEN", show_default=False, metavar="TOKEN",
                 help="A JWT for firmware 7+."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Debug logging and full tracebacks.")]


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str | None = None
    password: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


def error_console() -> Console:
    return Console(stderr=True, highlight=False)


def credentials_for(host: str, username: str | None, password: str | None,
                    token: str | None) -> tuple[str, Credentials]:
    """The address for the library and the credentials, taking a URL's userinfo (not together with -u/-p)."""
    found = target(host, username, password)
    return found.host, Credentials(found.username, found.password, token)


def run_async(main: Coroutine[Any, Any, T], *, debug: bool, host: str | None = None,
              secrets: Iterable[str | None] = (), budget_s: float | None = None) -> T:
    """Run a command's coroutine; a failure becomes one line on stderr (after a traceback with --debug)."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if debug:
        logging.getLogger("iqgateway").setLevel(logging.DEBUG)

    async def bounded() -> T:
        if budget_s is None:
            return await main
        async with asyncio.timeout(budget_s):
            return await main

    try:
        return asyncio.run(bounded())
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as err:  # noqa: BLE001 - every failure becomes one line (a traceback with --debug)
        code = report(err, host=host, debug=debug, secrets=secrets, budget_s=budget_s)
        raise typer.Exit(code) from None


@asynccontextmanager
async def connected(host: str, credentials: Credentials, *, on_request: Callable[[str], None] | None = None,
                    **options: Any) -> AsyncIterator[Gateway]:
    """A Gateway that has read /info and authenticated; closed on exit."""
    from ..gateway import Gateway

    gateway = Gateway(
        host, username=credentials.username, password=credentials.password, token=credentials.token,
        on_request=on_request, **options,
    )
    try:
        await gateway.setup()
        await gateway.authenticate()
        yield gateway
    finally:
        await gateway.close()
