"""Checks of command-line arguments, as typer callbacks: a bad value is a usage error (exit 2), never a traceback.

No message repeats a password: a host is named without the userinfo of its URL.
"""

from __future__ import annotations

import errno
import ipaddress
import math
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import typer

MAX_LABEL = 63
MAX_NAME = 253


@dataclass(frozen=True, slots=True)
class Target:
    """A HOST argument taken apart: the address for the library and the credentials its URL carried."""

    host: str
    username: str | None = None
    password: str | None = None


def _split(value: str) -> tuple[str, str, str | None, str | None, str]:
    """(scheme, hostname, user, password, netloc without userinfo); raises BadParameter."""
    text = value.strip()
    if not text:
        raise typer.BadParameter("no host given")
    if any(ch.isspace() or ch in "\\" for ch in text):
        raise typer.BadParameter("a host has no spaces or backslashes")
    scheme = ""
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise typer.BadParameter("a URL starts with http:// or https://")
    parts = urlsplit(text if scheme else f"//{text}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise typer.BadParameter("give only the address (scheme, host and port), no path")
    hostname = parts.hostname or ""
    if not hostname:
        raise typer.BadParameter("no host name in the address")
    try:
        port = parts.port
    except ValueError:
        raise typer.BadParameter("the port must be a number from 1 to 65535") from None
    if port is not None and not 1 <= port <= 65535:
        raise typer.BadParameter("the port must be a number from 1 to 65535")
    _check_hostname(hostname)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return scheme, hostname, user, password, netloc


def _check_hostname(hostname: str) -> None:
    try:
        ipaddress.ip_address(hostname)
        return
    except ValueError:
        pass
    if len(hostname) > MAX_NAME:
        raise typer.BadParameter(f"a host name has at most {MAX_NAME} characters, this one {len(hostname)}")
    for label in hostname.rstrip(".").split("."):
        if not label:
            raise typer.BadParameter("the host name has an empty label (two dots in a row)")
        if len(label) > MAX_LABEL:
            raise typer.BadParameter(f"a host name label has at most {MAX_LABEL} characters, "
                                     f"one here has {len(label)}")
    try:
        hostname.encode("idna")
    except UnicodeError:
        raise typer.BadParameter("not a valid host name (IDNA)") from None


def check_host(value: str) -> str:
    """Typer callback of a HOST argument."""
    _split(value)
    return value


def target(value: str, username: str | None, password: str | None) -> Target:
    """The address without userinfo, and the credentials: from the URL, or from -u/-p (not both)."""
    scheme, _hostname, user, url_password, netloc = _split(value)
    host = f"{scheme}://{netloc}" if scheme else netloc
    if user is None and url_password is None:
        return Target(host, username, password)
    if username is not None or password is not None:
        raise typer.BadParameter("the URL carries a user name and password, and --username/--password give "
                                 "them again: give them one way", param_hint="HOST")
    return Target(host, user or None, url_password or None)


def check_port(value: int | None) -> int | None:
    """Typer callback of a listening port: 0 (a free port) to 65535."""
    if value is not None and not 0 <= value <= 65535:
        raise typer.BadParameter(f"{value} is not a port (0 for a free one, else 1 to 65535)")
    return value


def check_positive_seconds(value: float | None) -> float | None:
    """Typer callback of a duration: a finite number above 0."""
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise typer.BadParameter("give a finite number of seconds above 0")
    return value


def check_speed(value: float) -> float:
    """Typer callback of --speed: a finite factor above 0."""
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter("the speed is a finite number above 0 (1 = real time)")
    return value


def check_interfaces(values: list[str] | None) -> list[str] | None:
    """Typer callback of --interface: IPv4 addresses this machine has."""
    for value in values or []:
        try:
            address = ipaddress.IPv4Address(value.strip())
        except ValueError:
            raise typer.BadParameter(f"{value[:60]!r} is not an IPv4 address (e.g. 192.168.1.20)") from None
        if not _is_local(str(address)):
            raise typer.BadParameter(f"{address} is not an address of this machine")
    return values


def _is_local(address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((address, 0))
        except OSError as err:
            if err.errno in (errno.EADDRNOTAVAIL, errno.EINVAL):
                return False
            raise
    return True
