"""Default local passwords of firmware < 7, derived from the serial (facts in ENVOY-API.md)."""

from __future__ import annotations

import hashlib

_SALT_PREFIX = "[e]installer@enphaseenergy.com#"
_SALT_SUFFIX = " EnPhAsE eNeRgY "


def installer_password(serial: str) -> str:
    """The Digest password of user `installer` for this serial."""
    digest = hashlib.md5(f"{_SALT_PREFIX}{serial}{_SALT_SUFFIX}".encode(), usedforsecurity=False).hexdigest()
    zeros, ones = digest.count("0"), digest.count("1")
    result: list[str] = []
    for char in digest[:-9:-1]:  # the last eight characters, last one first
        if zeros in (3, 6, 9):
            zeros -= 1
        zeros = max(0, min(zeros, 20))
        if ones in (9, 15):
            ones -= 1
        ones = max(0, min(ones, 26))
        if char == "0":
            result.append(chr(ord("f") + zeros))
            zeros -= 1
        elif char == "1":
            result.append(chr(ord("@") + ones))
            ones -= 1
        else:
            result.append(char)
    return "".join(result)


def envoy_password(serial: str) -> str:
    """The Digest password of user `envoy`: the serial's last six digits."""
    return serial[-6:]
