"""Production documents: `/production.json`, `/production`, `/api/v1/production[/inverters]`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import r3
from .meters import combine, ct_phases, total_volts

if TYPE_CHECKING:
    from ..physics import InverterReport
    from .context import Scene
    from .meters import PhaseReading

INVERTER_DEV_TYPE = 1
ACB_DEV_TYPE = 11


def _line(ph: PhaseReading, *, net: bool) -> dict[str, Any]:
    today = 0 if net else r3(ph.today_wh)
    # the net meter's lifetime is a balance (imported - exported): it falls while the house exports
    lifetime = ph.delivered_wh - ph.received_wh if net else ph.delivered_wh
    return {
        "wNow": r3(ph.watts),
        "whLifetime": r3(lifetime),
        "varhLeadLifetime": r3(ph.varh_lead),
        "varhLagLifetime": r3(ph.varh_lag),
        "vahLifetime": r3(ph.vah),
        "rmsCurrent": r3(ph.amps),
        "rmsVoltage": r3(ph.volts),
        "reactPwr": r3(ph.var),
        "apprntPwr": r3(ph.va),
        "pwrFactor": round(ph.pf, 2),
        "whToday": today,
        "whLastSevenDays": 0 if net else r3(ph.week_wh),
        "vahToday": 0 if net else r3(ph.today_wh * 1.12),
        "varhLeadToday": 0 if net else r3(ph.today_wh * 0.01),
        "varhLagToday": 0 if net else r3(ph.today_wh * 0.18),
    }


def eim_entry(scene: Scene, kind: str, *, lines: bool) -> dict[str, Any]:
    phases = ct_phases(scene, kind)
    total = combine(phases, total_volts(scene, phases))
    if scene.hw.phases > 1:
        total = combine(phases, sum(p.volts for p in phases))
    net = kind == "net-consumption"
    entry: dict[str, Any] = {
        "type": "eim",
        "activeCount": 1,
        "measurementType": kind,
        "readingTime": scene.ts,
    }
    entry.update(_line(total, net=net))
    entry["rmsCurrent"] = r3(sum(p.amps for p in phases))
    if lines:
        entry["lines"] = [_line(p, net=net) for p in phases]
    return entry


def inverter_reports(scene: Scene) -> list[InverterReport]:
    return scene.house.inverter_reports(scene.t)


def inverters_entry(scene: Scene, reports: list[InverterReport]) -> dict[str, Any]:
    lifetime = sum(r.lifetime_wh for r in reports) - scene.lifetime_offset_wh
    return {
        "type": "inverters",
        "activeCount": len(reports),
        "readingTime": max((r.report_ts for r in reports), default=scene.ts),
        "wNow": round(sum(r.watts for r in reports)),
        "whLifetime": max(round(lifetime), 0),
    }


def storage_entry(scene: Scene) -> dict[str, Any]:
    if scene.hw.battery_kind != "acb":
        return {"type": "acb", "activeCount": 0, "readingTime": 0, "wNow": 0, "whNow": 0, "state": "idle"}
    bats = scene.batteries()
    watts = sum(b.power_w for b in bats)
    stored = sum(b.energy_wh for b in bats)
    cap = sum(bat.capacity_wh for bat in scene.house.config.batteries)
    state = "discharging" if watts > 5 else "charging" if watts < -5 else "idle"
    return {
        "type": "acb",
        "activeCount": len(bats),
        "readingTime": scene.ts - scene.ts % 300,
        "wNow": round(watts),
        "whNow": round(stored),
        "state": state,
        "percentFull": round(100 * stored / cap) if cap else 0,
    }


def production_json(scene: Scene, *, details: bool) -> dict[str, Any]:
    hw = scene.hw
    doc: dict[str, Any] = {}
    production = [inverters_entry(scene, inverter_reports(scene))]
    if hw.has_meter("production"):
        production.append(eim_entry(scene, "production", lines=details))
    doc["production"] = production
    if hw.has_meter("net-consumption") or hw.has_meter("total-consumption"):
        doc["consumption"] = [
            eim_entry(scene, "total-consumption", lines=details),
            eim_entry(scene, "net-consumption", lines=details),
        ]
    doc["storage"] = [storage_entry(scene)]
    return doc


def api_v1_production(scene: Scene) -> dict[str, Any]:
    if scene.hw.has_meter("production"):
        phases = ct_phases(scene, "production")
        total = combine(phases, 0.0)
        return {
            "wattHoursToday": round(total.today_wh),
            "wattHoursSevenDays": round(total.week_wh),
            "wattHoursLifetime": round(total.delivered_wh),
            "wattsNow": round(total.watts),
        }
    reports = inverter_reports(scene)
    lifetime = sum(r.lifetime_wh for r in reports) - scene.lifetime_offset_wh
    return {
        "wattHoursToday": round(sum(r.today_wh for r in reports)),
        "wattHoursSevenDays": round(sum(r.week_wh for r in reports)),
        "wattHoursLifetime": max(round(lifetime), 0),
        "wattsNow": round(sum(r.watts for r in reports)),
    }


def _max_watts(scene: Scene, index: int) -> int:
    inv = scene.house.config.inverters[index]
    peak = min(inv.factor * scene.house.config.panel_w * 1.05 * 0.965, inv.max_w)  # clear sky at its best
    return round(peak)


def api_v1_inverters(scene: Scene) -> list[dict[str, Any]]:
    legacy = scene.hw.version < (7,)
    out: list[dict[str, Any]] = []
    for i, rep in enumerate(inverter_reports(scene)):
        item: dict[str, Any] = {"serialNumber": rep.serial, "lastReportDate": rep.report_ts}
        if not legacy:
            item["devType"] = INVERTER_DEV_TYPE
        item["lastReportWatts"] = round(rep.watts)
        item["maxReportWatts"] = _max_watts(scene, i)
        out.append(item)
    if scene.hw.battery_kind == "acb":
        for j, bat in enumerate(scene.batteries()):
            spec = scene.house.config.batteries[j]
            out.append(
                {
                    "serialNumber": bat.serial,
                    "lastReportDate": scene.ts - (scene.ts + 97 * j) % 300,
                    "devType": ACB_DEV_TYPE,
                    "lastReportWatts": round(abs(bat.power_w)),
                    "maxReportWatts": round(spec.max_power_w),
                }
            )
    return out


_LEGACY_PAGE = """      <h1>System Energy Production</h1>
      <div style="margin-right: auto; margin-left: auto;"><table>
      <tr><td colspan="3">System has been live since
                             <div class=good>{since}</div></td></tr>
      <tr><td>Currently</td>    <td> {now}</td></tr><tr><td>Today</td>     <td> {today}</td></tr>\
<tr><td>Past Week</td>    <td> {week}</td></tr><tr><td>Since Installation</td>    <td> {life}</td></tr>
      </table><br></div>
"""

LEGACY_NOT_FOUND = b"""    <!DOCTYPE html PUBLIC "-//IETF//DTD HTML 2.0//EN">
    <html>
    <head>
      <link rel="StyleSheet" type="text/css" href="/include/style.css" />
    </head>
    <body>
    <center>
    <h2>Page Not Found</h2>
    <p>The page you tried to view does not exist
     Try the <a href="/">home</a> page</p>
    </center>
    </body>
    </html>
"""


def _human(wh_or_w: float, unit: str) -> str:
    if wh_or_w >= 1_000_000:
        return f"{wh_or_w / 1_000_000:5.3g} M{unit}"
    if wh_or_w >= 1000:
        return f"{wh_or_w / 1000:5.3g} k{unit}"
    return f"{wh_or_w:5.0f} {unit}"


def legacy_production_html(scene: Scene) -> bytes:
    v1 = api_v1_production(scene)
    return _LEGACY_PAGE.format(
        since="Tue Nov 17, 2015 11:05 AM",
        now=_human(v1["wattsNow"], "W"),
        today=_human(v1["wattHoursToday"], "Wh"),
        week=_human(v1["wattHoursSevenDays"], "Wh"),
        life=_human(v1["wattHoursLifetime"], "Wh"),
    ).encode()
