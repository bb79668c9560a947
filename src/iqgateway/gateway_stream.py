"""The meter-stream side of `Gateway`: open a MeterStream, let its frames refresh the snapshot's live power."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .stream import MeterStream
from .stream_live import apply_frame

if TYPE_CHECKING:
    from .frames import StreamFrame
    from .models import GatewayData


class GatewayStream:
    """Mixed into Gateway: `stream()` and `apply_stream_frame()`."""

    _data: GatewayData | None

    def stream(self, **options: Any) -> MeterStream:
        """The gateway's meter stream (options: see MeterStream); one connection, opened on first iteration."""
        from .gateway import Gateway

        assert isinstance(self, Gateway)
        return MeterStream(self, **options)

    def apply_stream_frame(self, frame: StreamFrame) -> GatewayData | None:
        """Refresh the last snapshot's live power from a frame, without a request (None before the first update)."""
        if self._data is None:
            return None
        self._data = apply_frame(self._data, frame)
        return self._data
