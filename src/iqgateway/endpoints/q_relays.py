"""Q-Relays: the `NSRB` entries of `/inventory.json` (relay state, health flags, firmware).

The captures hold no Q-Relay readings (temperature, frequency, line voltages, switch count), so those
fields stay None rather than being read from guessed names.
"""

from __future__ import annotations

from ..models_installer import QRelay
from .inverters import inventory_flags
from .values import JsonDict, bool_at, int_like, str_at

NSRB_TYPE = "NSRB"


def _closed(entry: JsonDict) -> bool | None:
    state = (str_at(entry, "relay") or "").strip().lower()
    return {"closed": True, "open": False}.get(state)


def parse_q_relays(doc: object) -> tuple[QRelay, ...]:
    return tuple(
        QRelay(serial=serial, relay_closed=_closed(entry), communicating=bool_at(entry, "communicating"),
               producing=bool_at(entry, "producing"), temperature_c=None, frequency_hz=None, voltage_l1_v=None,
               voltage_l2_v=None, voltage_l3_v=None, switch_count=None,
               last_report_date=int_like(entry.get("last_rpt_date")), firmware=str_at(entry, "img_pnum_running"))
        for serial, entry in sorted(inventory_flags(doc, NSRB_TYPE).items())
    )
