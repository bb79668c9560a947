"""The install requirements, which depend on what is being built (see `dynamic` in pyproject.toml).

A release build (IQGATEWAY_RELEASE=1, as `make dist` and the publish workflow set it, or any build from an
sdist, which carries PKG-INFO) requires the library's dependencies alone: Home Assistant installs that. An
install from a checkout also requires the command line's, the simulator's and the export's, so that
`pip install .` gives the whole `iqgateway` command.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def install_requires() -> list[str]:
    pyproject = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    ours = pyproject["tool"]["iqgateway"]
    required: list[str] = list(ours["library-dependencies"])
    if os.environ.get("IQGATEWAY_RELEASE", "") not in ("", "0") or (HERE / "PKG-INFO").is_file():
        return required
    extras = pyproject["project"]["optional-dependencies"]
    for extra in ours["checkout-extras"]:
        required += [dep for dep in extras[extra] if dep not in required]
    return required


setup(install_requires=install_requires())
