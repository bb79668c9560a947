"""Firmware version strings as numbers (decides auth family and scheme)."""

from __future__ import annotations

import re


def version_tuple(firmware: str) -> tuple[int, ...]:
    """ "8.3.5169" -> (8, 3, 5169); a channel letter or suffix is ignored; no digits -> (0,)."""
    return tuple(int(part) for part in re.findall(r"\d+", firmware)[:3]) or (0,)


def uses_token_auth(firmware: str) -> bool:
    """Firmware 7 and later want an Enphase JWT over HTTPS; older firmware HTTP Digest over HTTP."""
    return version_tuple(firmware) >= (7,)
