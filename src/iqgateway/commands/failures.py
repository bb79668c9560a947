"""One error style for every command: `iqgateway: <host> <endpoint>: <what>` on stderr, and an exit code.

Exit codes: 1 generic, 2 usage, 3 authentication, 4 unsupported firmware, 5 stale or unreachable device,
130 interrupted. A message never carries a secret (passwords, tokens, the password of a URL's userinfo),
an exception class name or a raw network error.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Iterable

from ..errors import (
    AuthenticationError,
    CommunicationError,
    HttpStatusError,
    IQGatewayError,
    UnsupportedFirmware,
)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_UNSUPPORTED = 4
EXIT_UNREACHABLE = 5
EXIT_INTERRUPTED = 130

PROGRAM = "iqgateway"
REDACTED = "REDACTED"
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def exit_code(err: BaseException) -> int:
    """The documented exit code of a failure."""
    if isinstance(err, AuthenticationError):
        return EXIT_AUTH
    if isinstance(err, UnsupportedFirmware):
        return EXIT_UNSUPPORTED
    if isinstance(err, CommunicationError) and not isinstance(err, HttpStatusError):
        return EXIT_UNREACHABLE
    if isinstance(err, TimeoutError):
        return EXIT_UNREACHABLE
    return EXIT_ERROR


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the userinfo of any URL and without the given secrets."""
    text = _USERINFO.sub("", text)
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, REDACTED)
    return text


def describe(err: BaseException, *, host: str | None = None, budget_s: float | None = None) -> str:
    """`<host> <endpoint>: <what>` for a failure (without the program name)."""
    if isinstance(err, IQGatewayError):
        what = err.message
        if isinstance(err, UnsupportedFirmware) and err.firmware and err.firmware not in what:
            what = f"{what} (firmware {err.firmware})"
        where = " ".join(part for part in (err.host or host, err.endpoint) if part)
    elif isinstance(err, TimeoutError):
        what = f"no result within {budget_s:g} s" if budget_s else "no result in time"
        where = host or ""
    elif isinstance(err, OSError):
        what = (err.strerror or "operating system error").lower()
        where = " ".join(str(part) for part in (host, err.filename) if part)
    else:
        what = "internal error; run with --debug for details"
        where = host or ""
    return f"{where}: {what}" if where else what


def report(err: BaseException, *, host: str | None = None, debug: bool = False,
           secrets: Iterable[str | None] = (), budget_s: float | None = None) -> int:
    """Print the failure (a traceback first with --debug) and return its exit code."""
    secrets = tuple(secrets)
    if debug:
        lines = traceback.format_exception(err)
        sys.stderr.write(scrub("".join(lines), secrets))
    line(describe(err, host=host, budget_s=budget_s), secrets)
    return exit_code(err)


def line(message: str, secrets: Iterable[str | None] = ()) -> None:
    """Print one `iqgateway: ...` line on stderr."""
    sys.stderr.write(f"{PROGRAM}: {scrub(message, secrets)}\n")
    sys.stderr.flush()
