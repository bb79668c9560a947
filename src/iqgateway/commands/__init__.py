"""`iqgateway` sub-commands beyond read/info: discover, watch, stream, capture, capabilities.

Each module exposes `register(app)`; `register_all(app)` adds them all.
"""

from __future__ import annotations

import typer

from . import capabilities, capture, discover, stream, watch


def register_all(app: typer.Typer) -> None:
    """Add `discover`, `watch`, `stream`, `capture` and `capabilities` to the `iqgateway` command line."""
    discover.register(app)
    watch.register(app)
    stream.register(app)
    capture.register(app)
    capabilities.register(app)


__all__ = ["capabilities", "capture", "discover", "register_all", "stream", "watch"]
