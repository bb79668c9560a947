"""Lifetime energy between two reads of the production document, from the CT readings' own counters.

Where the CT readings carry the live power (schedule.meters_carry_power), the slow production document is
read only to anchor the energy counters. Between two reads, each counter moves on by its CTs' counters
since the anchor (the readings of the update that read the document):

- production: anchor + Δ delivered of the production CT;
- net consumption: anchor + Δ (delivered − received) of the net-consumption CT;
- total consumption: anchor + Δ delivered of a total-consumption CT, else Δ production + Δ net;

phases alike where the CT channels carry energy. Today and the last seven days move by the same Δ, so
lifetime − today stays the document's own (a first-day seed of the daily energy is the document's).
A re-anchor that would set production or total consumption back a little from a value the CT counters moved
on holds that value until the counter passes it again (no dip); a larger drop, or a drop of the document's own
value, is left to the energy guard.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .answer import Answer
from .endpoints.production import PRODUCTION_DOCS
from .models import EnergyReading, GatewayData, MeasurementType, MeterReading

# A re-anchor lower than the value shown by at most this (Wh, or this share of it) is held, not shown.
HOLD_WH = 1000.0
HOLD_SHARE = 0.001

_PROD, _NET, _TOTAL = MeasurementType.PRODUCTION, MeasurementType.NET_CONSUMPTION, MeasurementType.TOTAL_CONSUMPTION
_Counters = dict[str, float]  # "<measurement type>" or "<type>.<phase>" -> Wh (net: delivered − received)


def _counters(meters: Mapping[str, MeterReading]) -> _Counters:
    out: _Counters = {}
    for kind, reading in meters.items():
        for key, part in ((str(kind), reading), *((f"{kind}.{n}", p) for n, p in (reading.phases or {}).items())):
            dlvd, rcvd = part.energy_delivered_wh, part.energy_received_wh
            if dlvd is None or (kind == _NET and rcvd is None):
                continue
            out[key] = dlvd - (rcvd or 0.0) if kind == _NET else dlvd
    return out


def document_time(answers: Mapping[str, Answer]) -> float | None:
    """When the production document among `answers` was fetched (None: none)."""
    return next((answers[path].fetched_at for path in PRODUCTION_DOCS if path in answers), None)


class CtEnergy:
    """One Gateway's anchor (mutable; not shared)."""

    def __init__(self) -> None:
        self._doc_at: float | None = None
        self._anchor: _Counters = {}
        self._shown: dict[str, tuple[float, bool]] = {}  # track -> (value shown, moved by the CT counters)

    def changes(self, data: GatewayData, doc_at: float | None) -> dict[str, EnergyReading | None]:
        """The readings of `data` with their lifetimes advanced, by field name (none without `doc_at`, when
        the production document in it was fetched)."""
        if doc_at is None:
            return {}
        now = _counters(data.meters)
        if doc_at != self._doc_at:
            self._doc_at, self._anchor = doc_at, now
        delta = {key: now[key] - value for key, value in self._anchor.items() if key in now}
        net_device = data.consumption_net_device
        return {
            "production": self._moved("production", data.production, delta, (str(_PROD),), hold=True),
            "consumption_net": self._moved("net", data.consumption_net, delta, (str(_NET),), hold=False),
            "consumption_total": self._moved(
                "total", data.consumption_total, delta,
                (str(_TOTAL),) if str(_TOTAL) in self._anchor else (str(_PROD), str(_NET)), hold=True),
            "consumption_net_device": None if net_device is None else self._moved(
                "net_device", net_device, delta, (str(_NET),), hold=False),
        }

    def _moved(self, name: str, reading: EnergyReading | None, delta: Mapping[str, float],
               parts: tuple[str, ...], *, hold: bool, phase: str | None = None) -> EnergyReading | None:
        if reading is None:
            return None
        keys = parts if phase is None else tuple(f"{p}.{phase}" for p in parts)
        phases = reading.phases
        if phases and phase is None:
            phases = {n: moved for n, p in phases.items()
                      if (moved := self._moved(name, p, delta, parts, hold=hold, phase=n)) is not None}
        if reading.wh_lifetime is None or any(key not in delta for key in keys):
            return dataclasses.replace(reading, phases=phases) if phases is not reading.phases else reading
        step = sum(delta[key] for key in keys)
        lifetime = reading.wh_lifetime + step
        track = name if phase is None else f"{name}.{phase}"
        last = self._shown.get(track)
        if hold and last is not None and last[1]:  # only a value the CT counters moved on is held
            shown = last[0]
            if shown - max(HOLD_WH, HOLD_SHARE * shown) <= lifetime < shown:
                step += shown - lifetime
                lifetime = shown
        if hold:
            self._shown[track] = (lifetime, step != 0)
        if step == 0:  # a static replay keeps the document's values as they are
            return dataclasses.replace(reading, phases=phases) if phases is not reading.phases else reading
        return dataclasses.replace(
            reading, phases=phases, wh_lifetime=lifetime,
            wh_today=None if reading.wh_today is None else reading.wh_today + step,
            wh_last_seven_days=None if reading.wh_last_seven_days is None else reading.wh_last_seven_days + step)
