"""`iqgateway capture HOST DIR`: save every known endpoint's answer in the capture format.

The folder replays with `iqgateway simulate --replay DIR` (file naming: ENVOY-API.md "Captures";
`<name>_log.json` holds headers, code and duration_seconds). Secrets are redacted before anything
is written: tokens, cookies, passwords and e-mail addresses never reach the disk.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import IQGatewayError
from ..simulator.replay import file_name
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
    error_console,
    run_async,
)
from .failures import EXIT_ERROR, line

if TYPE_CHECKING:
    from ..answer import Answer
    from ..gateway import Gateway

# Read endpoints of the local API (ENVOY-API.md and the published captures), slow ones last.
CAPTURE_PATHS: tuple[str, ...] = (
    "/info",
    "/api/v1/production",
    "/api/v1/production/inverters",
    "/ivp/meters",
    "/ivp/meters/readings",
    "/ivp/meters/reports",
    "/ivp/meters/gridReading",
    "/ivp/meters/pvReading",
    "/ivp/pdm/device_data",
    "/ivp/pdm/energy",
    "/ivp/ensemble/inventory",
    "/ivp/ensemble/status",
    "/ivp/ensemble/secctrl",
    "/ivp/ensemble/power",
    "/ivp/ensemble/dry_contacts",
    "/ivp/ensemble/generator",
    "/ivp/ss/dry_contact_settings",
    "/ivp/ss/gen_config",
    "/ivp/ss/gen_schedule",
    "/ivp/ss/gen_mode",
    "/ivp/ss/pel_settings",
    "/ivp/sc/pvlimit",
    "/ivp/livedata/status",
    "/admin/lib/tariff",
    "/inv",
    "/production.json",
    "/production.json?details=1",
    "/production",
    "/inventory.json?deleted=1",
    "/inventory.json",
    "/home",
)

REDACTED = "REDACTED"
SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "proxy-authorization"})
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# the credentials of an Authorization value, whatever the scheme (Bearer, Basic, Digest, a bare token)
AUTHORIZATION = re.compile(rb"((?:proxy-)?authorization\"?\s*[:=]\s*\"?)[^\"\r\n]*", re.IGNORECASE)
AUTH_SCHEME = re.compile(rb"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE)
USERINFO = re.compile(rb"(?<=://)[^/@\s\"']+@")
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SECRET_FIELD = re.compile(
    rb'("[A-Za-z_]*(?:password|passwd|token|session_id|sessionid|cookie|secret|api_key|apikey)"\s*:\s*)"[^"]*"',
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Captured:
    path: str
    file: str
    status: int  # 0 when there was no answer
    note: str = ""


def redact_body(body: bytes, secrets: tuple[str, ...] = ()) -> bytes:
    """The body with every token, password, cookie value and e-mail address replaced."""
    for secret in secrets:
        if len(secret) >= 4:
            body = body.replace(secret.encode("utf-8"), REDACTED.encode())
    body = JWT.sub(REDACTED.encode(), body)
    body = AUTHORIZATION.sub(rb"\1" + REDACTED.encode(), body)
    body = AUTH_SCHEME.sub(rb"\1 " + REDACTED.encode(), body)
    body = USERINFO.sub(REDACTED.encode() + b"@", body)
    body = SECRET_FIELD.sub(rb'\1"' + REDACTED.encode() + rb'"', body)
    return EMAIL.sub(b"redacted@example.invalid", body)


def redact_headers(headers: Mapping[str, str], secrets: tuple[str, ...] = ()) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in headers.items():
        if key.lower() in SECRET_HEADERS:
            clean[key] = REDACTED
        else:
            clean[key] = redact_body(value.encode("utf-8", "replace"), secrets).decode("utf-8", "replace")
    return clean


def register(app: typer.Typer) -> None:
    app.command("capture", help="Save every endpoint's answer to DIR (replay with `iqgateway simulate --replay "
                "DIR`).\n\n" + HOST_HELP + " DIR is created; files in it are replaced.")(capture)


def capture(
    host: HostArgument,
    directory: Annotated[Path, typer.Argument(metavar="DIR", hidden=True, show_default=False)],
    *,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    debug: DebugOption = False,
) -> None:
    address, credentials = credentials_for(host, username, password, token)
    console = Console()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        line(f"{directory}: cannot create the folder ({(err.strerror or 'operating system error').lower()})")
        raise typer.Exit(EXIT_ERROR) from None
    results = run_async(_capture(address, directory, credentials), debug=debug, host=address,
                        secrets=(credentials.password, token))
    missing = [r for r in results if not r.status]
    console.print(f"Captured into {directory}: {answered_line(results)}", markup=False)
    for result in missing:
        console.print(f"  no answer from {result.path}: {result.note}", markup=False)
    console.print(f"Replay it with: iqgateway simulate --replay {directory}", markup=False)


async def _capture(host: str, directory: Path, credentials: Credentials) -> list[Captured]:
    secrets = tuple(s for s in (credentials.password, credentials.token) if s)
    async with connected(host, credentials) as gateway:
        if gateway.token:
            secrets = (*secrets, gateway.token)
        results: list[Captured] = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        progress_console = error_console()
        with Progress(*columns, console=progress_console, transient=True,
                      disable=not progress_console.is_terminal) as progress:
            task = progress.add_task("capturing", total=len(CAPTURE_PATHS))
            for path in CAPTURE_PATHS:
                progress.update(task, description=f"GET {path}")
                results.append(await _capture_one(gateway, path, directory, secrets))
                progress.advance(task)
        _write_readme(directory, gateway, results)
    return results


async def _capture_one(gateway: Gateway, path: str, directory: Path, secrets: tuple[str, ...]) -> Captured:
    name = file_name(path)
    started = time.monotonic()
    try:
        answer = await gateway.fetch_raw(path)
    except IQGatewayError as err:
        return Captured(path, name, 0, _short(err))
    duration = round(time.monotonic() - started, 3)
    if answer.error is not None or answer.status == 0:
        return Captured(path, name, 0, _short(answer.error) if answer.error else "no answer")
    body = redact_body(answer.body, secrets)
    (directory / name).write_bytes(body)
    log = {"headers": _headers(answer, body, secrets), "code": answer.status, "duration_seconds": duration}
    (directory / f"{name}_log.json").write_text(json.dumps(log), encoding="utf-8")
    return Captured(path, name, answer.status)


def _headers(answer: Answer, body: bytes, secrets: tuple[str, ...]) -> dict[str, str]:
    raw: Mapping[str, str] = getattr(answer, "headers", None) or {}
    headers = redact_headers(raw, secrets)
    if answer.content_type and not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = answer.content_type
    for key in list(headers):
        if key.lower() in ("content-length", "transfer-encoding", "content-encoding"):
            del headers[key]
    headers["Content-Length"] = str(len(body))
    return headers


def _write_readme(directory: Path, gateway: Gateway, results: list[Captured]) -> None:
    info = gateway.info
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        directory.name,
        "",
        f"Captured by `iqgateway capture` on {when} from an Envoy with firmware "
        f"{info.firmware if info else '?'} (part number {info.part_number if info else '?'}).",
        f"{answered_line(results)}.",
        "Tokens, cookies, passwords and e-mail addresses are replaced by REDACTED; serial numbers are kept.",
        "",
    ]
    (directory / "_readme").write_text("\n".join(lines), encoding="utf-8")


def answered_line(results: list[Captured]) -> str:
    """"N of M endpoints answered", 404s (endpoints the device does not have) counted apart."""
    absent = sum(1 for r in results if r.status == 404)
    answered = sum(1 for r in results if r.status and r.status != 404)
    text = f"{answered} of {len(results) - absent} endpoints answered"
    return f"{text} ({absent} more not on this device: HTTP 404)" if absent else text


def _short(err: object) -> str:
    return str(err).splitlines()[0][:200] if str(err) else "no answer"
