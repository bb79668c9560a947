"""What the device commands share: credential options, connecting a Gateway, one-line errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from ..errors import AuthenticationError, IQGatewayError, UnsupportedFirmware

if TYPE_CHECKING:
    from ..gateway import Gateway

T = TypeVar("T")

EXIT_ERROR = 1
EXIT_AUTH = 3
EXIT_UNSUPPORTED = 4
EXIT_INTERRUPTED = 130

UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username", "-u", envvar="IQGATEWAY_USERNAME", show_default=False,
        help="Enlighten e-mail (firmware 7+) or `installer`/`envoy` (older firmware).",
    ),
]  # fmt: skip
PasswordOption = Annotated[
    str | None,
    typer.Option("--password", "-p", envvar="IQGATEWAY_PASSWORD", show_default=False, help="Password (never echoed)."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", "-t", envvar="IQGATEWAY_TOKEN", show_default=False, help="A JWT for firmware 7+."),
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


def run_async(main: Coroutine[Any, Any, T], *, debug: bool) -> T:
    """Run a command's coroutine; a failure becomes one line on stderr and an exit code."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except IQGatewayError as err:
        if debug:
            raise
        error_console().print(f"Error: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(exit_code(err)) from None
    except OSError as err:
        if debug:
            raise
        error_console().print(f"Error: {err.strerror or err}", markup=False)
        raise typer.Exit(EXIT_ERROR) from None


def exit_code(err: IQGatewayError) -> int:
    if isinstance(err, AuthenticationError):
        return EXIT_AUTH
    if isinstance(err, UnsupportedFirmware):
        return EXIT_UNSUPPORTED
    return EXIT_ERROR


@asynccontextmanager
async def connected(host: str, credentials: Credentials, **options: Any) -> AsyncIterator[Gateway]:
    """A Gateway that has read /info and authenticated; closed on exit."""
    from ..gateway import Gateway

    gateway = Gateway(
        host, username=credentials.username, password=credentials.password, token=credentials.token, **options
    )
    try:
        await gateway.setup()
        await gateway.authenticate()
        yield gateway
    finally:
        await gateway.close()
