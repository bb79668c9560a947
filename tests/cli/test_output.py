"""Tables: one unit per column scaled like Home Assistant (W/kW, Wh/kWh/MWh), no "-0", the live rows."""

from __future__ import annotations

import json
import re

import pytest

from iqgateway.commands.units import ENERGY, POWER, Unit, column
from iqgateway.simulator.testing import profile_envoy, replay_envoy
from tests.shared import CAPTURES

from .common import invoke_async, iqgateway

NEGATIVE_ZERO = re.compile(r"(?<![\d.,])-0(?:\.0+)?(?![\d.,])")


@pytest.mark.parametrize(("values", "scale", "unit", "cells"), [
    ([488.0, -11.2, -0.3, None], POWER, "W", ["488", "-11", "0", "-"]),
    ([2031.4, 20.0, -0.0004], POWER, "kW", ["2.031", "0.020", "0.000"]),
    ([4426.0, 0.0, 19904.0], ENERGY, "kWh", ["4.43", "0.00", "19.90"]),
    ([3_183_793.0, 4425.0, -2_739_000.0], ENERGY, "MWh", ["3.184", "0.004", "-2.739"]),
    ([522.979, -0.4], ENERGY, "Wh", ["523", "0"]),
    ([None, None], ENERGY, "Wh", ["-", "-"]),
])
def test_one_unit_per_column_and_no_negative_zero(values: list[float | None], scale: tuple[Unit, ...], unit: str,
                                                  cells: list[str]) -> None:
    assert column(values, scale) == (unit, cells)


async def test_read_summary_has_one_unit_per_column() -> None:
    capture = "7.6.175_with_cts"
    doc = json.loads((CAPTURES / capture / "production.json").read_text())
    production = next(p for p in doc["production"] if p["type"] == "eim")
    async with replay_envoy(capture) as envoy:
        run = await iqgateway("read", envoy.url, env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert run.code == 0, run.text
    for header in ("now (W)", "today (kWh)", "lifetime (MWh)"):
        assert header in run.out
    row = next(line for line in run.out.splitlines() if "│ production" in line)
    cells = [cell.strip() for cell in row.split("│")[2:-1]]
    assert float(cells[1]) == pytest.approx(production["whToday"] / 1e3, abs=0.005)
    assert float(cells[3]) == pytest.approx(production["whLifetime"] / 1e6, abs=0.0005)
    assert not NEGATIVE_ZERO.search(run.out)
    assert not re.search(r"\d (W|Wh|kWh|MWh|kW)\b", run.out.split("CT meters")[0])  # units only in the headers


async def test_watch_shows_the_live_rows() -> None:
    async with profile_envoy("full-us") as envoy:
        result = await invoke_async(["watch", envoy.url, "--once"], env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert result.exit_code == 0, result.output
    for label in ("Live: solar", "Live: battery (- = charging)", "Live: grid (- = export)", "Live: home"):
        assert label in result.stdout
    assert not NEGATIVE_ZERO.search(result.stdout)


async def test_discover_json_with_nothing_found_exits_1() -> None:
    result = await invoke_async(["discover", "--interface", "127.0.0.1", "--timeout", "0.5", "--json"])
    found = json.loads(result.stdout)
    # Another test's simulator may be announcing at the same moment: only judge a quiet network.
    assert result.exit_code == (1 if found == [] else 0)
