"""The PV production limit family (`/ivp/sc/pvlimit`): read where the firmware has it, absent where it does not."""

from __future__ import annotations

import pytest

from iqgateway import PvLimit
from iqgateway.endpoints.pv_limit import PV_LIMIT, parse_pv_limit
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json, connected


async def test_a_device_with_the_limit_reports_it_over_http() -> None:
    doc = capture_json("7.6.175_with_cts", "ivp_sc_pvlimit")
    async with replay_envoy("7.6.175_with_cts") as envoy, connected(envoy) as gateway:
        data = await gateway.update()
        assert PV_LIMIT in data.features.endpoints
        assert data.pv_limit == PvLimit(enabled=doc["enable"], limit_percent=doc["pv_limit_pct"])
        assert data.parts_updated_at["pv_limit"] == data.endpoints[PV_LIMIT].fetched_at
        assert data.to_dict()["pv_limit"] == {"enabled": doc["enable"], "limit_percent": doc["pv_limit_pct"]}


async def test_a_device_answering_404_has_no_limit_and_is_not_asked_again() -> None:
    async with replay_envoy("5.0.62") as envoy, connected(envoy) as gateway:
        asked = envoy.stats.count(PV_LIMIT)
        data = await gateway.update()
        assert data.pv_limit is None
        assert PV_LIMIT not in data.features.endpoints
        assert envoy.stats.count(PV_LIMIT) == asked


@pytest.mark.parametrize("doc", [
    {"err": "404 - Not Found"},
    {"enable": True},
    {"enable": True, "pv_limit_pct": 140},
    {"enable": True, "pv_limit_pct": "80"},
    [],
])
def test_a_document_without_a_percentage_in_range_is_no_limit(doc: object) -> None:
    assert parse_pv_limit(doc) is None


def test_an_enabled_limit() -> None:
    assert parse_pv_limit({"enable": True, "pv_limit_pct": 60}) == PvLimit(enabled=True, limit_percent=60)
