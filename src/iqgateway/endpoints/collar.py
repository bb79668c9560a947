"""IQ Meter Collar and IQ Combiner 6C controller, both listed in `/ivp/ensemble/inventory`."""

from __future__ import annotations

from ..models import C6Combiner, Collar
from .ensemble import C6CC_TYPE, COLLAR_TYPE, controller_identity, first_device
from .values import JsonDict, int_at, num_at, str_at

COLLAR_TEMPERATURE_UNIT = "C"


def parse_collar(groups: dict[str, list[JsonDict]] | None) -> Collar | None:
    device = first_device(groups, COLLAR_TYPE)
    if device is None:
        return None
    temperature = num_at(device, "temperature")
    return Collar(
        **controller_identity(device),
        mid_state=str_at(device, "mid_state"),
        grid_state=str_at(device, "grid_state"),
        temperature=temperature,
        temperature_unit=COLLAR_TEMPERATURE_UNIT if temperature is not None else None,
        control_error=int_at(device, "control_error"),
        collar_state=str_at(device, "collar_state"),
    )


def parse_c6cc(groups: dict[str, list[JsonDict]] | None) -> C6Combiner | None:
    device = first_device(groups, C6CC_TYPE)
    if device is None:
        return None
    identity = controller_identity(device)
    identity["firmware_version"] = str_at(device, "fw_version") or identity["firmware_version"]
    return C6Combiner(**identity, dmir_version=str_at(device, "dmir_version"))
