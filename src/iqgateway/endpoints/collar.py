"""IQ Meter Collar and IQ Combiner 6C controller, both listed in `/ivp/ensemble/inventory`."""

from __future__ import annotations

from ..models import C6Combiner, Collar
from .ensemble import C6CC_TYPE, COLLAR_TYPE
from .values import JsonDict, bool_at, int_at, int_like, num_at, str_at

COLLAR_TEMPERATURE_UNIT = "C"


def _first(groups: dict[str, list[JsonDict]] | None, kind: str) -> JsonDict | None:
    devices = (groups or {}).get(kind) or []
    return devices[0] if devices and str_at(devices[0], "serial_num") else None


def parse_collar(groups: dict[str, list[JsonDict]] | None) -> Collar | None:
    device = _first(groups, COLLAR_TYPE)
    if device is None:
        return None
    temperature = num_at(device, "temperature")
    return Collar(
        serial_number=str_at(device, "serial_num") or "",
        part_number=str_at(device, "part_num"),
        admin_state=int_at(device, "admin_state"),
        admin_state_str=str_at(device, "admin_state_str"),
        firmware_loaded_date=int_like(device.get("img_load_date")),
        firmware_version=str_at(device, "img_pnum_running"),
        installed_date=int_like(device.get("installed")),
        last_report_date=int_like(device.get("last_rpt_date")),
        communicating=bool_at(device, "communicating"),
        mid_state=str_at(device, "mid_state"),
        grid_state=str_at(device, "grid_state"),
        temperature=temperature,
        temperature_unit=COLLAR_TEMPERATURE_UNIT if temperature is not None else None,
        control_error=int_at(device, "control_error"),
        collar_state=str_at(device, "collar_state"),
    )


def parse_c6cc(groups: dict[str, list[JsonDict]] | None) -> C6Combiner | None:
    device = _first(groups, C6CC_TYPE)
    if device is None:
        return None
    return C6Combiner(
        serial_number=str_at(device, "serial_num") or "",
        part_number=str_at(device, "part_num"),
        admin_state=int_at(device, "admin_state"),
        admin_state_str=str_at(device, "admin_state_str"),
        firmware_loaded_date=int_like(device.get("img_load_date")),
        firmware_version=str_at(device, "fw_version") or str_at(device, "img_pnum_running"),
        installed_date=int_like(device.get("installed")),
        last_report_date=int_like(device.get("last_rpt_date")),
        communicating=bool_at(device, "communicating"),
        dmir_version=str_at(device, "dmir_version"),
    )
