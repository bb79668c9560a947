"""Firmware version strings as numbers (decides auth family and scheme)."""

from __future__ import annotations

from ..firmware import split_software, uses_tokens


def version_tuple(firmware: str) -> tuple[int, ...]:
    """ "8.3.5169" -> (8, 3, 5169); a channel letter or suffix is ignored; no version number -> (0,)."""
    parsed = split_software(firmware)
    return parsed[2] if parsed is not None else (0,)


def uses_token_auth(firmware: str) -> bool:
    """Firmware 7 and later want an Enphase JWT over HTTPS; older firmware HTTP Digest over HTTP."""
    return uses_tokens(version_tuple(firmware))
