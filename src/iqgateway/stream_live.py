"""Between stream frames and the snapshot: a frame refreshes the snapshot's live power, live data becomes a frame.

`apply_frame` needs no request: the snapshot's `live` flows (solar, grid, home) and the CT meters' power
take the frame's values for the phases the installation has (the device always sends three).
`frame_from_live` turns one `/ivp/livedata/status` reading into a frame (source "livedata"), for a
stream that falls back to polling: it carries active and apparent power only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .frames import CHANNEL_KEYS, PHASE_KEYS, ChannelValues, PhaseValues, StreamFrame
from .models import PHASE_NAMES, GatewayData, LiveData, LiveMeter, LivePhasePower, MeterReading

# stream channel -> (live data flow, CT meter measurement type)
_CHANNEL_TARGETS: dict[str, tuple[str, str]] = {
    "production": ("pv", "production"),
    "net_consumption": ("grid", "net-consumption"),
    "total_consumption": ("load", "total-consumption"),
}


def _phases_in_use(channel: ChannelValues, phase_count: int) -> list[tuple[str, PhaseValues]]:
    named = dict(channel.phases())
    wanted = [name for name, _ in PHASE_KEYS][: max(1, phase_count)]
    return [(name, named[name]) for name in wanted if name in named]


def _sum(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def _live_meter(channel: ChannelValues, phase_count: int) -> LiveMeter:
    used = _phases_in_use(channel, phase_count)
    phases = {
        PHASE_NAMES[index]: LivePhasePower(power_w=phase.p_w, apparent_power_va=phase.s_va)
        for index, (_, phase) in enumerate(used)
    } if phase_count > 1 else None
    return LiveMeter(power_w=_sum([p.p_w for _, p in used]), apparent_power_va=_sum([p.s_va for _, p in used]),
                     phases=phases)


def _meter(reading: MeterReading, channel: ChannelValues, phase_count: int) -> MeterReading:
    used = _phases_in_use(channel, phase_count)
    phases = reading.phases
    if phases:
        updated = dict(phases)
        for index, (_, phase) in enumerate(used):
            name = PHASE_NAMES[index]
            if name in updated:
                updated[name] = dataclasses.replace(
                    updated[name], active_power_w=phase.p_w, reactive_power_var=phase.q_var,
                    apparent_power_va=phase.s_va, voltage_v=phase.v_v, current_a=phase.i_a,
                    power_factor=phase.pf, frequency_hz=phase.f_hz,
                )
        phases = updated
    return dataclasses.replace(
        reading, phases=phases, active_power_w=_sum([p.p_w for _, p in used]),
        reactive_power_var=_sum([p.q_var for _, p in used]), apparent_power_va=_sum([p.s_va for _, p in used]),
    )


def apply_frame(data: GatewayData, frame: StreamFrame) -> GatewayData:
    """The snapshot with the frame's live power (flows and CT meters); everything else unchanged."""
    live = data.live or LiveData(last_update=None, stream_enabled=None, pv=None, storage=None, grid=None,
                                 load=None, generator=None)
    flows: dict[str, Any] = {}
    meters = dict(data.meters)
    for name, channel in frame.channels():
        flow, kind = _CHANNEL_TARGETS[name]
        flows[flow] = _live_meter(channel, data.phase_count)
        if frame.source == "stream" and kind in meters and meters[kind].state != "disabled":
            meters[kind] = _meter(meters[kind], channel, data.phase_count)
    live = dataclasses.replace(live, last_update=int(frame.received_at), **flows)
    return dataclasses.replace(data, live=live, meters=meters)


def _channel_from_live(meter: LiveMeter | None) -> tuple[ChannelValues | None, dict[str, Any]]:
    if meter is None:
        return None, {}
    per_phase = meter.phases or {}
    if not per_phase:
        only = PhaseValues(p_w=meter.power_w, s_va=meter.apparent_power_va)
        return ChannelValues(a=only), {"ph-a": {"p": only.p_w, "s": only.s_va}}
    phases: dict[str, PhaseValues] = {}
    raw: dict[str, Any] = {}
    for (name, key), phase_name in zip(PHASE_KEYS, PHASE_NAMES, strict=True):
        power = per_phase.get(phase_name)
        if power is not None:
            phases[name] = PhaseValues(p_w=power.power_w, s_va=power.apparent_power_va)
            raw[key] = {"p": power.power_w, "s": power.apparent_power_va}
    return ChannelValues(**phases), raw


def frame_from_live(live: LiveData, *, seq: int, received_at: float) -> StreamFrame:
    """A frame (source "livedata") from one live status reading: solar, grid and home as the three channels."""
    channels: dict[str, ChannelValues | None] = {}
    raw: dict[str, Any] = {}
    for (name, key), meter in zip(CHANNEL_KEYS, (live.pv, live.grid, live.load), strict=True):
        channels[name], raw_channel = _channel_from_live(meter)
        if raw_channel:
            raw[key] = raw_channel
    return StreamFrame(seq=seq, received_at=received_at, source="livedata", raw=raw, **channels)
