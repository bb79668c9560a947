"""Realtime: the Envoy's meter stream (`/stream/meter`) feeding the CT sensors, beside the regular update.

One long-lived connection (the library's MeterStream reconnects by itself); no request is added to the
regular cycle. Frames are handed to the sensors at most once a second (a burst after a stall collapses
to its newest frame), so no entity writes its state more than once a second. A refused role stops the
stream and raises a repair issue explaining that the stream needs an installer token; nothing else
changes then. Diagnostics show the stream's state, frames/s, gaps and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from iqgateway import Gateway, GatewayData, IQGatewayError, MeterStream, StreamFrame, StreamRoleError, apply_frame

from .const import DOMAIN, ISSUE_STREAM_NEEDS_INSTALLER

_LOGGER = logging.getLogger(__name__)

WRITE_EVERY_S = 1.0
# A frame older than this no longer overrides the regular snapshot (the stream is down).
FRESH_S = 10.0


def stream_issue_id(entry_id: str) -> str:
    return f"{ISSUE_STREAM_NEEDS_INSTALLER}_{entry_id}"


class RealtimeStream:
    """Follows the meter stream of one Envoy and tells its listeners, at most once a second, about new values."""

    def __init__(self, hass: HomeAssistant, entry_id: str, title: str, gateway: Gateway,
                 on_first_frame: Callable[[], None] | None = None) -> None:
        self.hass = hass
        self._on_first_frame = on_first_frame
        self.entry_id = entry_id
        self.title = title
        self.gateway = gateway
        self.stream: MeterStream = gateway.stream(fallback=False)
        self.frame: StreamFrame | None = None
        self.refused: str | None = None
        self.error: str | None = None
        self.dispatches = 0
        self._frame_at = 0.0
        self._listeners: list[CALLBACK_TYPE] = []
        self._last_dispatch = -WRITE_EVERY_S
        self._pending: CALLBACK_TYPE | None = None
        self._cache: tuple[int, int, GatewayData] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Consume the stream until it ends (entry unloaded, role refused, no stream)."""
        try:
            async for frame in self.stream:
                first = self.frame is None
                self.frame = frame
                self._frame_at = time.monotonic()
                if first and self._on_first_frame is not None:
                    self._on_first_frame()  # the sensors only the stream makes worthwhile appear now
                self._schedule()
        except StreamRoleError as err:
            self.refused = err.message
            _LOGGER.warning("%s: %s", self.title, err)
            ir.async_create_issue(
                self.hass, DOMAIN, stream_issue_id(self.entry_id), is_fixable=False,
                severity=ir.IssueSeverity.WARNING, translation_key=ISSUE_STREAM_NEEDS_INSTALLER,
                translation_placeholders={"title": self.title, "host": self.gateway.host},
            )
        except IQGatewayError as err:
            self.error = str(err)
            _LOGGER.warning("%s: no realtime values: %s", self.title, err)
        finally:
            self._cancel_pending()
            await self.stream.close()

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending()
            self._pending = None

    # ------------------------------------------------------------------ listeners

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> Callable[[], None]:
        self._listeners.append(listener)

        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    def _schedule(self) -> None:
        since = self.hass.loop.time() - self._last_dispatch
        if since >= WRITE_EVERY_S:
            self._cancel_pending()
            self._dispatch()
        elif self._pending is None:
            self._pending = async_call_later(self.hass, WRITE_EVERY_S - since, self._dispatch_later)

    @callback
    def _dispatch_later(self, _now: Any) -> None:
        self._pending = None
        self._dispatch()

    @callback
    def _dispatch(self) -> None:
        self._last_dispatch = self.hass.loop.time()
        self.dispatches += 1
        for listener in list(self._listeners):
            listener()

    # ------------------------------------------------------------------ values

    @property
    def streaming(self) -> bool:
        return self.frame is not None and time.monotonic() - self._frame_at <= FRESH_S

    def snapshot(self, data: GatewayData) -> GatewayData:
        """The regular snapshot with the newest frame's CT values (unchanged without a fresh frame)."""
        frame = self.frame
        if frame is None or not self.streaming:
            return data
        cached = self._cache
        if cached is not None and cached[0] == id(data) and cached[1] == frame.seq:
            return cached[2]
        refreshed = apply_frame(data, frame)
        self._cache = (id(data), frame.seq, refreshed)
        return refreshed

    def as_diagnostics(self) -> dict[str, Any]:
        return {
            "enabled": True,
            **self.stream.stats.as_dict(time.monotonic()),
            "refused": self.refused,
            "error": self.error,
            "state_writes_rounds": self.dispatches,
        }


async def async_start_realtime(hass: HomeAssistant, entry: Any, gateway: Gateway,
                               on_first_frame: Callable[[], None] | None = None) -> RealtimeStream:
    """Start following the stream in a background task of the entry (cancelled when the entry unloads)."""
    realtime = RealtimeStream(hass, entry.entry_id, entry.title, gateway, on_first_frame)
    ir.async_delete_issue(hass, DOMAIN, stream_issue_id(entry.entry_id))
    entry.async_create_background_task(hass, realtime.run(), name=f"{entry.title} meter stream")
    await asyncio.sleep(0)
    return realtime
