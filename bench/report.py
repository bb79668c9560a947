"""The benchmark's tables (Markdown, so docs/performance.md can show them as printed) and its last line."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .measure import Measurement

OURS = "iqgateway"
THEIRS = "pyenphase"
# (limit of the median over the devices, limit for every device or None: devices above the median's listed)
GOALS: dict[str, tuple[float, float | None]] = {"requests": (0.25, 0.4), "wall": (0.5, None), "cpu": (1.0, None)}


@dataclass(frozen=True, slots=True)
class DeviceResult:
    device: str
    note: str
    firmware: str
    latency_source: str
    ours: Measurement
    theirs: Measurement

    def ratio(self, what: str) -> float | None:
        pairs = {
            "requests": (self.ours.requests_per_hour, self.theirs.requests_per_hour),
            "bytes": (self.ours.bytes_per_hour, self.theirs.bytes_per_hour),
            "wall": (self.ours.wall_median_s, self.theirs.wall_median_s),
            "cpu": (self.ours.cpu_per_update_s, self.theirs.cpu_per_update_s),
            "sessions": (self.ours.sessions_per_hour, self.theirs.sessions_per_hour),
        }
        ours, theirs = pairs[what]
        if ours is None or theirs is None or theirs == 0 or not (self.ours.ok and self.theirs.ok):
            return None
        return ours / theirs


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def main_table(results: Sequence[DeviceResult]) -> list[str]:
    lines = [
        "| device | client | requests/h | kB/h | sessions/h | update wall median (s) | CPU ms/update | fresh cycles |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        for m in (res.ours, res.theirs):
            failed = f" (FAILED: {m.errors[0][:80]})" if m.errors else ""
            lines.append(
                f"| {res.device} | {m.client}{failed} | {_num(m.requests_per_hour)} | "
                f"{_num(m.bytes_per_hour / 1000)} | {_num(m.sessions_per_hour)} | {_num(m.wall_median_s, 2)} | "
                f"{_ms(m.cpu_per_update_s)} | {m.fresh_cycles}/{m.cycles} |"
            )
        lines.append(
            f"| {res.device} | **ours/pyenphase** | **{_ratio(res.ratio('requests'))}** | "
            f"{_ratio(res.ratio('bytes'))} | {_ratio(res.ratio('sessions'))} | **{_ratio(res.ratio('wall'))}** | "
            f"**{_ratio(res.ratio('cpu'))}** | |"
        )
    return lines


def devices_table(results: Sequence[DeviceResult]) -> list[str]:
    lines = ["| device | firmware | what | latencies |", "|---|---|---|---|"]
    lines += [f"| {r.device} | {r.firmware} | {r.note} | {r.latency_source} |" for r in results]
    return lines


def endpoint_table(results: Sequence[DeviceResult]) -> list[str]:
    lines = ["| device | endpoint | iqgateway/h | pyenphase/h |", "|---|---|---:|---:|"]
    for res in results:
        paths = sorted(set(res.ours.per_endpoint) | set(res.theirs.per_endpoint))
        for path in paths:
            ours = res.ours.per_hour(res.ours.per_endpoint.get(path, 0))
            theirs = res.theirs.per_hour(res.theirs.per_endpoint.get(path, 0))
            lines.append(f"| {res.device} | `{path}` | {_num(ours)} | {_num(theirs)} |")
    return lines


def medians(results: Sequence[DeviceResult]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for what in ("requests", "wall", "cpu", "bytes"):
        values = [v for r in results if (v := r.ratio(what)) is not None]
        out[what] = statistics.median(values) if values else None
    sessions = [r.ours.sessions_per_hour for r in results if r.ours.ok]
    out["sessions_per_hour"] = statistics.median(sessions) if sessions else None
    return out


def goal_lines(results: Sequence[DeviceResult]) -> list[str]:
    med = medians(results)
    out = []
    for what, (limit, each) in GOALS.items():
        value = med[what]
        bound = limit if each is None else each
        above = [f"{r.device} {v:.2f}" for r in results if (v := r.ratio(what)) is not None and v > bound]
        met = value is not None and value <= limit and (each is None or not above)
        verdict = "-" if value is None else ("met" if met else "NOT met")
        every = "" if each is None else f", no device above {each:g}"
        detail = f"; devices above{'' if each is None else f' {each:g}'}: {', '.join(above)}" if above else ""
        out.append(f"goal {what} <= {limit:g} x pyenphase as the median{every}: median {_ratio(value)} "
                   f"{verdict}{detail}")
    sessions = [(r.device, r.ours.sessions_per_hour) for r in results if r.ours.ok]
    over = [f"{d} {v:g}" for d, v in sessions if v > 1]
    verdict = "met" if sessions and not over else "NOT met" + (f"; devices above: {', '.join(over)}" if over else "")
    out.append(f"goal one device session per hour (iqgateway): {verdict}")
    return out


def last_line(results: Sequence[DeviceResult]) -> str:
    med = medians(results)
    sessions = med["sessions_per_hour"]
    return (
        f"ratios: requests={_ratio(med['requests'])} wall={_ratio(med['wall'])} cpu={_ratio(med['cpu'])} "
        f"sessions_per_hour={'-' if sessions is None else f'{sessions:g}'}"
    )
