"""Firmware versions: reading `<software>` ("D8.3.5169") and the facts a version decides."""

from __future__ import annotations

import re

# Firmware 7 and later authenticate with an Enphase token over HTTPS; older firmware with HTTP Digest (or not at all).
TOKEN_FIRMWARE: tuple[int, ...] = (7,)

_SOFTWARE = re.compile(r"^([A-Za-z]?)(\d+(?:\.\d+)*)")


def split_software(software: str) -> tuple[str | None, str, tuple[int, ...]] | None:
    """(channel letter or None, numeric version, its numbers): "D8.3.5169" -> ("D", "8.3.5169", (8, 3, 5169)).

    Anything after the numbers is ignored; None when the text does not start with a version number.
    """
    match = _SOFTWARE.match(software.strip())
    if match is None:
        return None
    numeric = match.group(2)
    return match.group(1) or None, numeric, tuple(int(part) for part in numeric.split("."))


def uses_tokens(version: tuple[int, ...]) -> bool:
    return version >= TOKEN_FIRMWARE
