"""What this token, firmware and hardware allow: the capability report, decided at probe.

Installer-level endpoints are asked only when the role allows them (an owner token would get a 401 every
time); their probe answers (`statuses`: path -> HTTP status, 0 for no answer) tell firmware from hardware.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .endpoints import dpel, grid_profile, plc, power_mode
from .models import DeviceInfo, Feature, Features

# From this firmware the meter stream wants an installer token (on some 8.3 an owner token works).
STREAM_INSTALLER_FIRMWARE = (7, 6, 175)
INSTALLER = "installer"
OWNER = "owner"


class CapabilityState(enum.StrEnum):
    AVAILABLE = "available"
    NEEDS_INSTALLER = "needs_installer_role"
    NOT_ON_FIRMWARE = "not_on_firmware"
    NOT_ON_HARDWARE = "not_on_hardware"


class CapabilityName(enum.StrEnum):
    REALTIME_STREAM = "realtime_stream"
    PRODUCTION_POWER_MODE = "production_power_mode"
    EXPORT_LIMIT = "export_limit"
    GRID_PROFILE = "grid_profile"
    PLC_SIGNAL_CHECK = "plc_signal_check"
    STORAGE_WRITES = "storage_writes"
    RELAY_WRITES = "relay_writes"


@dataclass(frozen=True, slots=True)
class Capability:
    name: CapabilityName
    state: CapabilityState
    reason: str  # one English line


@dataclass(frozen=True, slots=True)
class CapabilityReport:
    """Each capability's state for one gateway and its credentials."""

    role: str | None  # "owner" / "installer"; below firmware 7 the Digest user ("installer", "envoy"); None unknown
    firmware: str
    capabilities: tuple[Capability, ...]

    def get(self, name: CapabilityName) -> Capability:
        for capability in self.capabilities:
            if capability.name == name:
                return capability
        raise KeyError(name)

    def available(self, name: CapabilityName) -> bool:
        return self.get(name).state is CapabilityState.AVAILABLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "firmware": self.firmware,
            "capabilities": {c.name.value: {"state": c.state.value, "reason": c.reason} for c in self.capabilities},
        }


# The installer endpoint of each installer capability, and what it does (for the reasons).
INSTALLER_PATHS: Mapping[CapabilityName, tuple[str, str, str]] = {
    CapabilityName.PRODUCTION_POWER_MODE: (power_mode.PATH, "production control", "switch production"),
    CapabilityName.EXPORT_LIMIT: (dpel.PATH, "the export limit (DPEL)", "set an export limit"),
    CapabilityName.GRID_PROFILE: (grid_profile.PATH, "the grid profile", "read or change the grid profile"),
    CapabilityName.PLC_SIGNAL_CHECK: (plc.PATH, "the PLC signal check", "read PLC signal levels"),
}


def is_installer(role: str | None) -> bool:
    return role == INSTALLER


def _who(role: str | None) -> str:
    if role == OWNER:
        return "owner tokens"
    if role is None:
        return "these credentials (no installer role)"
    return f"the user {role!r}"


def _installer_capability(name: CapabilityName, role: str | None, status: int | None) -> Capability:
    path, what, verb = INSTALLER_PATHS[name]
    if not is_installer(role):
        return Capability(name, CapabilityState.NEEDS_INSTALLER,
                          f"{what} needs an installer token; {_who(role)} cannot {verb} ({path})")
    if status is None:
        return Capability(name, CapabilityState.AVAILABLE, f"{what} is read on demand from {path}")
    if status == 200:
        return Capability(name, CapabilityState.AVAILABLE, f"{path} answered the installer token")
    if status in (401, 403):
        return Capability(name, CapabilityState.NEEDS_INSTALLER,
                          f"{path} refused these credentials (HTTP {status}): it wants an installer token")
    if status == 0:
        return Capability(name, CapabilityState.NOT_ON_FIRMWARE, f"{path} did not answer at probe")
    return Capability(name, CapabilityState.NOT_ON_FIRMWARE,
                      f"{what} is not on this firmware ({path} answered HTTP {status})")


def _stream(info: DeviceInfo, features: Features, role: str | None) -> Capability:
    name = CapabilityName.REALTIME_STREAM
    if Feature.CT_METERS not in features and Feature.METERING not in features:
        return Capability(name, CapabilityState.NOT_ON_HARDWARE, "the meter stream needs CT meters; none are fitted")
    if info.firmware_version >= STREAM_INSTALLER_FIRMWARE and not is_installer(role):
        return Capability(name, CapabilityState.NEEDS_INSTALLER,
                          "from firmware 7.6.175 the meter stream needs an installer token (some 8.3 builds let "
                          "owners in)")
    if info.firmware_version < (7,) and not is_installer(role):
        return Capability(name, CapabilityState.NEEDS_INSTALLER, "below firmware 7 the meter stream needs the "
                                                                 "installer user")
    return Capability(name, CapabilityState.AVAILABLE, "the meter stream (/stream/meter) is open to these "
                                                       "credentials")


def _storage(features: Features) -> Capability:
    name = CapabilityName.STORAGE_WRITES
    if Feature.TARIFF in features and Feature.ENCHARGE in features:
        return Capability(name, CapabilityState.AVAILABLE, "storage settings are written through /admin/lib/tariff")
    return Capability(name, CapabilityState.NOT_ON_HARDWARE,
                      "storage writes need IQ Batteries with storage settings (/admin/lib/tariff); none found")


def _relays(features: Features) -> Capability:
    name = CapabilityName.RELAY_WRITES
    if Feature.DRY_CONTACTS in features or Feature.ENPOWER in features:
        return Capability(name, CapabilityState.AVAILABLE, "the IQ System Controller's relays can be switched")
    return Capability(name, CapabilityState.NOT_ON_HARDWARE, "relay writes need an IQ System Controller; none found")


def build_report(info: DeviceInfo, features: Features, role: str | None,
                 statuses: Mapping[str, int]) -> CapabilityReport:
    """The report from the role, the firmware, the probed features and the installer endpoints' statuses."""
    capabilities = [_stream(info, features, role)]
    for name, (path, _, _) in INSTALLER_PATHS.items():
        capabilities.append(_installer_capability(name, role, statuses.get(path)))
    capabilities += [_storage(features), _relays(features)]
    return CapabilityReport(role=role, firmware=info.firmware, capabilities=tuple(capabilities))
