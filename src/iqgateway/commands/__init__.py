"""`iqgateway` sub-commands beyond read/info: discover, watch, capture.

Each module exposes `register(app)`; `register_all(app)` adds them all.
"""

from __future__ import annotations

import typer

from . import capture, discover, watch


def register_all(app: typer.Typer) -> None:
    """Add `discover`, `watch` and `capture` to the `iqgateway` command line."""
    discover.register(app)
    watch.register(app)
    capture.register(app)


__all__ = ["capture", "discover", "register_all", "watch"]
