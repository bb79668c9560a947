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
- `/inventory.json` is slow (seconds, up to ~20 s in the field) and large (about 450 bytes per device). Its
  producing / communicating flags follow what the inverter reports already show: an inverter that stops
  producing reports no power, one that stops communicating stops reporting. Where the inventory holds only
  microinverters (no AC batteries, no Q-Relays) it is read hourly while the inverter reports show the same
  picture as at its last read: the same inverters, and the same ones without power or with a report over
  LATE_REPORT_S older than the newest. Once that picture changes it is read at its family interval again, so
  a fault or an outage shows in the flags at the update after the reports show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from .answer import Answer
from .endpoints import acb, ensemble, production
from .models import Features, GatewayData, Inverter, MeasurementType
from .schedule import Schedule

HOURLY = 3600.0
FOLLOW_FACTOR = 2  # a follower is read on its own after this many of its leader's intervals
DAY_START_S = 1800.0  # the production document stays at its family interval this long after local midnight
LATE_REPORT_S = 600.0  # two report periods behind the newest report: the inverter has stopped reporting

NO_BATTERIES = "no IQ Batteries in the ensemble inventory or the power document: battery power hourly"
UNCHANGED = ("the inverters' summed power was alike in the last two reads: read with the inverter list "
             "(every update again once it changes)")
CT_COUNTERS = "the CT readings' energy counters advance the lifetimes between reads of the production document"
REPORTS_ALIKE = ("the inverter reports show the same inverters with and without power as at the last read: "
                 "hourly (at its family interval again once they change)")

# the inverters, and those of them without power or with a late report
ReportPicture = tuple[frozenset[str], frozenset[str]]


class SiteCadence:
    """One Gateway's rules (mutable; not shared): call `after_update` with each new snapshot."""

    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz
        self._power_read_at: float | None = None
        self._power_seen: object = None
        self._power_changed = True
        self._inventory_read_at: float | None = None
        self._picture_at_read: ReportPicture | None = None
        self._pictured: tuple[Mapping[str, Inverter], ReportPicture] | None = None

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
        if self._reports_alike(features, answers.get(acb.INVENTORY_JSON), data):
            overrides[_bare(acb.INVENTORY_JSON)] = (HOURLY, REPORTS_ALIKE)
        schedule.set_rules(overrides, follows)

    def _reports_alike(self, features: Features, inventory: Answer | None, data: GatewayData) -> bool:
        """The inventory holds only microinverters and their reports look as they did at its last read."""
        if acb.INVENTORY_JSON not in features.endpoints or inventory is None or not data.inverters:
            return False
        if data.q_relays or bool(inventory.part(acb.acb_inventory)):
            return False
        if self._pictured is None or self._pictured[0] is not data.inverters:  # a new list: hundreds of entries
            self._pictured = (data.inverters, report_picture(data.inverters))
        picture = self._pictured[1]
        if inventory.fetched_at != self._inventory_read_at:
            self._inventory_read_at, self._picture_at_read = inventory.fetched_at, picture
        return picture == self._picture_at_read

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


def report_picture(inverters: Mapping[str, Inverter]) -> ReportPicture:
    """The inverters, and those without power or whose last report is over LATE_REPORT_S behind the newest."""
    newest = max((i.last_report_date for i in inverters.values() if i.last_report_date is not None), default=None)
    unwell = frozenset(
        serial for serial, inverter in inverters.items()
        if not inverter.last_report_watts or inverter.last_report_watts < 0 or inverter.last_report_date is None
        or (newest is not None and newest - inverter.last_report_date > LATE_REPORT_S))
    return frozenset(inverters), unwell


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
