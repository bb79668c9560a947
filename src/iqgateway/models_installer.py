"""Models of the installer-level endpoints and of the Q-Relays (frozen snapshots)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DpelSettings:
    """`/ivp/ss/dpel` `dynamic_pel_settings`: the export (or production) limit."""

    enabled: bool
    export_limit: bool  # True: export limit, False: production limit
    limit_w: float | None
    slew_rate: float | None
    dynamic: bool | None  # enable_dynamic_limiting


@dataclass(frozen=True, slots=True)
class PvLimit:
    """`/ivp/sc/pvlimit`: the PV production limit, as a percentage of the rated power."""

    enabled: bool | None
    limit_percent: float | None


@dataclass(frozen=True, slots=True)
class GridProfileOption:
    """One grid profile the device offers."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class GridProfile:
    """`/installer/agf/index.json`: the selected grid profile and those available."""

    selected_id: str | None
    selected_name: str | None
    profiles: tuple[GridProfileOption, ...]


@dataclass(frozen=True, slots=True)
class QRelay:
    """A Q-Relay (`/inventory.json` type NSRB); a field the device does not report is None."""

    serial: str
    relay_closed: bool | None  # from the relay state ("closed" / "open")
    communicating: bool | None
    producing: bool | None
    temperature_c: float | None
    frequency_hz: float | None
    voltage_l1_v: float | None
    voltage_l2_v: float | None
    voltage_l3_v: float | None
    switch_count: int | None
    last_report_date: int | None
    firmware: str | None
