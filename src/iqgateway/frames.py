"""One frame of the meter stream (`/stream/meter`), as typed frozen models with units in the names.

A frame holds three channels (production, net consumption, total consumption), each with phases
a, b and c; the device always sends all three phases. A value the device did not send, or sent as
something other than a number, is None (never 0). `raw` keeps the decoded frame exactly as the
device sent it, for output "as sent".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import InvalidResponse

STREAM_PATH = "/stream/meter"
CHANNEL_KEYS: tuple[tuple[str, str], ...] = (
    ("production", "production"),
    ("net_consumption", "net-consumption"),
    ("total_consumption", "total-consumption"),
)
PHASE_KEYS: tuple[tuple[str, str], ...] = (("a", "ph-a"), ("b", "ph-b"), ("c", "ph-c"))
# model field <- device key
VALUE_KEYS: tuple[tuple[str, str], ...] = (
    ("p_w", "p"), ("q_var", "q"), ("s_va", "s"), ("v_v", "v"), ("i_a", "i"), ("pf", "pf"), ("f_hz", "f"),
)

FrameSource = Literal["stream", "livedata"]


@dataclass(frozen=True, slots=True)
class PhaseValues:
    """One phase of one channel: active, reactive and apparent power, voltage, current, power factor, frequency."""

    p_w: float | None = None
    q_var: float | None = None
    s_va: float | None = None
    v_v: float | None = None
    i_a: float | None = None
    pf: float | None = None
    f_hz: float | None = None


@dataclass(frozen=True, slots=True)
class ChannelValues:
    """One metered channel, phase by phase (None: the frame did not carry that phase)."""

    a: PhaseValues | None = None
    b: PhaseValues | None = None
    c: PhaseValues | None = None

    def phases(self) -> tuple[tuple[str, PhaseValues], ...]:
        """("a", values), ... for the phases present, in order."""
        return tuple((name, value) for name, value in (("a", self.a), ("b", self.b), ("c", self.c))
                     if value is not None)

    def total_p_w(self) -> float | None:
        """Sum of the phases' active power (None when no phase has one)."""
        values = [phase.p_w for _, phase in self.phases() if phase.p_w is not None]
        return sum(values) if values else None

    def total_s_va(self) -> float | None:
        values = [phase.s_va for _, phase in self.phases() if phase.s_va is not None]
        return sum(values) if values else None


@dataclass(frozen=True, slots=True)
class StreamFrame:
    """One frame: `seq` counts the frames one MeterStream handed out (0, 1, ...); `received_at` is epoch seconds."""

    seq: int
    received_at: float
    source: FrameSource
    production: ChannelValues | None
    net_consumption: ChannelValues | None
    total_consumption: ChannelValues | None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def channels(self) -> tuple[tuple[str, ChannelValues], ...]:
        """(model name, channel) for the channels present, in the device's order."""
        found = ((name, getattr(self, name)) for name, _ in CHANNEL_KEYS)
        return tuple((name, channel) for name, channel in found if channel is not None)

    def as_sent(self) -> dict[str, Any]:
        """The frame as the device sent it, with this stream's `seq`, `received_at` and `source` beside it."""
        return {"seq": self.seq, "received_at": round(self.received_at, 3), "source": self.source, **self.raw}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _phase(doc: object) -> PhaseValues | None:
    if not isinstance(doc, Mapping):
        return None
    return PhaseValues(**{name: _number(doc.get(key)) for name, key in VALUE_KEYS})


def _channel(doc: object) -> ChannelValues | None:
    if not isinstance(doc, Mapping):
        return None
    phases = {name: _phase(doc.get(key)) for name, key in PHASE_KEYS}
    if all(phase is None for phase in phases.values()):
        return None
    return ChannelValues(**phases)


def parse_frame(doc: object, *, seq: int, received_at: float, host: str | None = None) -> StreamFrame:
    """A StreamFrame from one decoded `data:` document; InvalidResponse when it holds no channel at all."""
    if not isinstance(doc, Mapping):
        raise InvalidResponse(f"a stream frame is a {type(doc).__name__}, not a JSON object", host=host,
                              endpoint=STREAM_PATH)
    channels = {name: _channel(doc.get(key)) for name, key in CHANNEL_KEYS}
    if all(channel is None for channel in channels.values()):
        keys = ", ".join(sorted(str(key) for key in doc)[:5]) or "nothing"
        raise InvalidResponse(f"a stream frame has no production or consumption channel (it holds {keys})",
                              host=host, endpoint=STREAM_PATH)
    return StreamFrame(seq=seq, received_at=received_at, source="stream", raw=dict(doc), **channels)
