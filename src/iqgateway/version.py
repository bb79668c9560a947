"""The installed distribution's version: pyproject.toml is its single source."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The version of the installed `iqgateway` distribution ("0+unknown" when it is not installed)."""
    try:
        return version("iqgateway")
    except PackageNotFoundError:
        return "0+unknown"
