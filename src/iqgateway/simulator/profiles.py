"""Synthetic devices: named profiles of real installations whose values move with simulated time.

`make_profile("full-us", inverters=30, batteries=3, seed=7)` gives a `ProfileSource` (a
DeviceSource) that answers every endpoint with documents shaped exactly like the real
firmware's, driven by a `House` (physics.py) on a `SimClock`.
"""

from __future__ import annotations

import zlib
from typing import Any
from zoneinfo import ZoneInfo

from .clock import SimClock
from .physics import BatterySpec, Controls, House, HouseConfig, InverterSpec, unit_noise
from .profile_kinds import SPECS as _SPECS
from .profile_kinds import ProfileSpec
from .profile_source import ProfileSource
from .render import settings
from .render.context import Hardware

__all__ = ["PROFILES", "ProfileSource", "make_profile", "profile_timezone"]

PROFILES: tuple[str, ...] = tuple(_SPECS)


def profile_timezone(name: str) -> str:
    """The local time zone a profile's installation lives in (for its SimClock)."""
    return _SPECS[name].region.timezone


def _digits(seed: int, salt: int, width: int) -> str:
    return str(int(unit_noise(seed, salt) * 10**width)).zfill(width)


def make_profile(
    name: str,
    *,
    inverters: int | None = None,
    batteries: int | None = None,
    clock: SimClock | None = None,
    seed: int = 0,
    serial: str | None = None,
) -> ProfileSource:
    """A synthetic device of the named profile (see PROFILES)."""
    if name not in _SPECS:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    spec = _SPECS[name]
    n_inv = spec.inverters if inverters is None else inverters
    n_bat = spec.batteries if batteries is None else batteries
    if n_inv < 1:
        raise ValueError("a profile needs at least one inverter")
    if n_bat < 0 or (n_bat and spec.battery is None):
        raise ValueError(f"profile {name!r} has no batteries")
    clock = clock or SimClock(speed=1.0, tz=spec.region.timezone)
    tz_name = str(clock.tz) if isinstance(clock.tz, ZoneInfo) else spec.region.timezone
    battery = spec.battery
    salt = zlib.crc32(name.encode())
    envoy_serial = serial or f"{spec.serial_prefix}{_digits(seed, salt, 4)}{_digits(seed, salt + 1, 4)}"
    mid = _digits(seed, salt + 2, 4)
    invs = tuple(
        InverterSpec(
            serial=f"4822{mid}{i + 1:04d}",
            max_w=spec.inverter.max_w,
            factor=0.86 + 0.16 * unit_noise(seed, salt, 100 + i),
            report_offset=int(unit_noise(seed, salt, 5000 + i) * 300),
            phase=i % spec.phases,
        )
        for i in range(n_inv)
    )
    bats: tuple[BatterySpec, ...] = ()
    if battery is not None:
        bat_prefix = "1219" if battery.kind == "acb" else "4923"
        bats = tuple(
            BatterySpec(
                serial=f"{bat_prefix}{mid}{j + 1:04d}",
                capacity_wh=battery.capacity_wh,
                max_power_w=battery.power_w,
                phase=(j % spec.phases) if spec.phases == 3 else -1,
                kind=battery.kind,
            )
            for j in range(n_bat)
        )
    installed = int(clock.timestamp()) - 86400 * 400
    installed -= installed % 86400
    hw = Hardware(
        name=name,
        firmware=spec.firmware,
        channel=spec.channel,
        part_number=spec.part_number,
        imeter=spec.imeter,
        phases=spec.phases,
        phase_mode=spec.phase_mode,
        ct_enabled=spec.ct_enabled,
        ct_disabled=spec.ct_disabled,
        inverter_part=spec.inverter.part,
        battery_kind=battery.kind if battery is not None and n_bat else None,
        battery_part=battery.part if battery is not None else "",
        enpower=spec.enpower,
        generator=spec.generator,
        collar=spec.collar,
        timezone=tz_name,
        currency=spec.region.currency,
        serial=envoy_serial,
        enpower_serial=f"4823{mid}0001",
        collar_serial=f"4825{mid}0001",
        c6_serial=f"4825{mid}0101",
        installed=installed,
    )
    controls = Controls(mode=spec.mode, reserve_soc=spec.reserve if n_bat else 0.0)
    config = HouseConfig(
        inverters=invs,
        batteries=bats,
        phases=spec.phases,
        latitude=spec.region.latitude,
        panel_w=spec.inverter.panel_w,
        base_load_w=spec.base_load_w,
        seed=seed,
        volts_per_phase=spec.region.volts,
        frequency=spec.region.frequency,
        generator_w=22000.0 if spec.generator else 0.0,
    )
    house = House(config, clock, controls)
    return ProfileSource(hw, house, clock, _initial_documents(spec, hw, controls, seed))


def _initial_documents(spec: ProfileSpec, hw: Hardware, controls: Controls, seed: int) -> dict[str, Any]:
    docs: dict[str, Any] = {
        "/ivp/ensemble/dry_contacts": settings.dry_contacts("closed" if spec.enpower else "open"),
        "/ivp/ss/dry_contact_settings": settings.dry_contact_settings(
            variant="collar" if spec.collar else "enpower" if spec.enpower else "basic"
        ),
    }
    if spec.ensemble_api:
        docs["/admin/lib/tariff"] = settings.tariff(
            mode=controls.mode,
            reserve=controls.reserve_soc,
            very_low=round(controls.very_low_soc),
            currency=spec.region.currency,
            date=hw.installed,
            firmware=hw.version,
        )
        docs["/ivp/ss/gen_config"] = settings.gen_config(f"30{_digits(seed, 77, 8)}") if spec.generator else {}
        docs["/ivp/ss/gen_schedule"] = settings.gen_schedule() if spec.generator else {}
        if spec.generator:
            docs["/ivp/ss/gen_mode"] = settings.gen_mode(controls.generator_cmd)
    if hw.battery_kind == "acb":
        docs["/admin/lib/acb_config"] = {"acb_sleep": []}
    return docs
