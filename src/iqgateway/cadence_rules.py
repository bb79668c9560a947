"""What one site's own answers say about how often to read: the rules on top of the family intervals.

After each update the Gateway hands the answers and the snapshot to `SiteCadence`, which sets the
schedule's overrides (path -> interval and why) and followers (path -> the path it is read with):

- `/ivp/ensemble/power` is live battery power: read every update only where the site has batteries
  (IQ Batteries in the ensemble inventory, or devices in the power document); else hourly. A battery
  added later shows in the inventory (read every 5 minutes), and the power goes live again at once;
- the live power of an unmetered device (the production source without a production CT) is the sum of
  the microinverters' reports, which refresh about every 5 minutes. It is read every update while it
  changes between two reads; once two reads in a row are alike it is read with the inverter list, and
  as soon as one of those reads differs from the one before, every update again;
- on metered sites whose CT readings carry the power, the production document only anchors the
  lifetime counters (ct_energy.py advances them from the CT counters): hourly, and every 5 minutes in
  the first half hour of a local day (the device's daily counters reset up to ~15 minutes late);
- `/inventory.json` stays at its family interval: its producing / communicating flags are the inverters'
  health, which should show within one report period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from .answer import Answer
from .endpoints import ensemble, production
from .models import Features, GatewayData, MeasurementType
from .schedule import Schedule

HOURLY = 3600.0
FOLLOW_FACTOR = 2  # a follower is read on its own after this many of its leader's intervals
DAY_START_S = 1800.0  # the production document stays at its family interval this long after local midnight

NO_BATTERIES = "no IQ Batteries in the ensemble inventory or the power document: battery power hourly"
UNCHANGED = ("the inverters' summed power was alike in the last two reads: read with the inverter list "
             "(every update again once it changes)")
CT_COUNTERS = "the CT readings' energy counters advance the lifetimes between reads of the production document"


class SiteCadence:
    """One Gateway's rules (mutable; not shared): call `after_update` with each new snapshot."""

    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz
        self._power_read_at: float | None = None
        self._power_seen: object = None
        self._power_changed = True

    def after_update(self, schedule: Schedule, features: Features, answers: Mapping[str, Answer],
                     data: GatewayData, now: float) -> None:
        overrides: dict[str, tuple[float | None, str]] = {}
        follows: dict[str, str] = {}
        if ensemble.POWER in features.endpoints and not _has_batteries(answers):
            overrides[ensemble.POWER] = (HOURLY, NO_BATTERIES)
        source = features.production_source
        if source is not None and not schedule.metered and not _has_production_ct(features):
            self._watch_power(answers.get(source), data)
            leader = _leader(features)
            interval = schedule.interval(leader) if leader is not None else None
            if not self._power_changed and leader is not None and interval:
                overrides[_bare(source)] = (interval * FOLLOW_FACTOR, UNCHANGED)
                follows[source] = leader
        elif schedule.metered and not self._day_start(now):  # metered: the CT readings carry the power
            for path in features.endpoints:
                if path in production.PRODUCTION_DOCS:
                    overrides[_bare(path)] = (HOURLY, CT_COUNTERS)
        schedule.set_rules(overrides, follows)

    def _watch_power(self, answer: Answer | None, data: GatewayData) -> None:
        if answer is None or answer.fetched_at == self._power_read_at:
            return
        seen = (data.production, data.consumption_total, data.consumption_net, data.acb)
        if self._power_read_at is not None:
            self._power_changed = seen != self._power_seen
        self._power_read_at, self._power_seen = answer.fetched_at, seen

    def _day_start(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, self.tz)
        return local.hour * 3600 + local.minute * 60 + local.second < DAY_START_S


def _bare(path: str) -> str:
    return path.split("?", 1)[0]


def _has_batteries(answers: Mapping[str, Answer]) -> bool:
    """Batteries listed (or no inventory and power document answered yet: no decision, keep them live)."""
    inventory, power = answers.get(ensemble.INVENTORY), answers.get(ensemble.POWER)
    if inventory is None and power is None:
        return True
    groups = inventory.part(ensemble.inventory_devices) if inventory is not None else None
    if groups and groups.get(ensemble.ENCHARGE_TYPE):
        return True
    return power is not None and bool(power.part(ensemble.power_by_serial))


def _has_production_ct(features: Features) -> bool:
    return any(m.enabled and m.measurement_type == MeasurementType.PRODUCTION for m in features.ct_meters)


def _leader(features: Features) -> str | None:
    source = features.inverter_source
    if source is None:
        return None
    return next((p for p in features.endpoints if _bare(p) == _bare(source)), None)
