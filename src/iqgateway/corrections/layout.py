"""Phase layout and keys the device reports wrongly or not at all.

- `/ivp/meters` answers 404 but the production document has per-phase `lines`: phases from the lines.
- A split-phase site (`is_split_phase` 1, `phase_count` 2) reports an L3 in its live data: there is none.
- Every IQ Battery has the same (redacted) serial: the batteries are keyed by position instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..endpoints import ensemble, livedata, meters, production
from ..endpoints.values import JsonDict, dict_at, int_at, mapping, str_at
from ..models import PHASE_NAMES, EnchargeBattery, EnergyReading, LiveData, LiveMeter
from .consumption import PHASE_MODES
from .record import Correction, CorrectionKind

_LIVE_FLOWS = ("pv", "storage", "grid", "load", "generator")


def phases_from_lines(reading: EnergyReading | None, segment: production.Segment | None,
                      positions: tuple[int, ...]) -> EnergyReading | None:
    """`reading` with its phases taken from the segment's lines at `positions`."""
    if reading is None:
        return None
    phases = production.lines_phases(segment, positions)
    return dataclasses.replace(reading, phases=phases) if phases else reading


def lines_layout(phase_count: int, positions: tuple[int, ...]) -> tuple[int, str, Correction] | None:
    """(phase count, mode, correction) from the lines carrying data, when there are 2 or 3 of them."""
    if not 2 <= len(positions) <= 3 or len(positions) == phase_count:
        return None
    count = len(positions)
    names = ", ".join(PHASE_NAMES[i] for i in positions)
    return count, PHASE_MODES[count], Correction(
        kind=CorrectionKind.PHASES_FROM_LINES, path="phase_count", raw=phase_count, corrected=count,
        reason=f"no CT configuration ({meters.METERS} not available) but the production document reports "
               f"data on {names}")


def split_phase_live(doc: object, live: LiveData | None) -> tuple[LiveData | None, list[Correction]]:
    """Live data of a split-phase site without L3."""
    layout = dict_at(mapping(doc), "meters")
    if live is None or int_at(layout, "is_split_phase") != 1 or int_at(layout, "phase_count") != 2:
        return live, []
    found: list[Correction] = []
    changes: dict[str, LiveMeter] = {}
    for flow in _LIVE_FLOWS:
        meter: LiveMeter | None = getattr(live, flow)
        if meter is None or not meter.phases or "L3" not in meter.phases:
            continue
        phases = {name: phase for name, phase in meter.phases.items() if name != "L3"}
        changes[flow] = dataclasses.replace(meter, phases=phases or None)
        found.append(Correction(
            kind=CorrectionKind.SPLIT_PHASE_LIVE, path=f"live.{flow}.phases.L3",
            raw=meter.phases["L3"].power_w, corrected=None,
            reason=f"{livedata.LIVEDATA} says split phase (is_split_phase 1, phase_count 2): there is no L3"))
    return (dataclasses.replace(live, **changes) if changes else live), found  # type: ignore[arg-type]


def positional_batteries(inventory: object, power: object) -> tuple[
        dict[str, EnchargeBattery] | None, list[Correction]]:
    """IQ Batteries keyed `<serial>_<position>` when they all carry the same serial; (None, []) otherwise."""
    groups = ensemble.inventory_devices(inventory)
    devices = (groups or {}).get(ensemble.ENCHARGE_TYPE) or []
    serials = {str_at(device, "serial_num") for device in devices}
    if len(devices) < 2 or len(serials) != 1 or groups is None:
        return None, []
    placeholder = str(serials.pop())
    keyed: list[JsonDict] = [{**device, "serial_num": f"{placeholder}_{n}"}
                             for n, device in enumerate(devices, start=1)]
    batteries = ensemble.parse_encharge({**groups, ensemble.ENCHARGE_TYPE: keyed},
                                        _positional_power(power, placeholder, len(keyed)))
    found = [Correction(kind=CorrectionKind.PLACEHOLDER_SERIALS, path=f"encharge.{key}", raw=placeholder,
                        corrected=key, reason=f"all {len(keyed)} batteries report the serial {placeholder!r}: "
                                              "keyed by their position in the inventory")
             for key in (batteries or {})]
    return batteries, found


def _positional_power(doc: object, placeholder: str, count: int) -> dict[str, JsonDict]:
    """Power entries by positional key when the power list has one entry per battery under the placeholder."""
    root = mapping(doc)
    entries = [entry for entry in _power_entries(root) if str_at(entry, "serial_num") == placeholder]
    if len(entries) != count:
        return {}
    return {f"{placeholder}_{n}": entry for n, entry in enumerate(entries, start=1)}


def _power_entries(root: Mapping[str, object] | None) -> list[JsonDict]:
    if root is None:
        return []
    entries = root.get("devices:", root.get("devices"))
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []
