"""The export's per-gateway time zone and state file: rebuilt daily figures, closes kept between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iqgateway.export import ConfigError, parse_config
from iqgateway.export.fleet import Fleet
from iqgateway.export.service import http_session
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json

CAPTURE = "8.1.41"


def config_for(url: str, token: str, state: Path) -> dict[str, object]:
    return {"prometheus": {"listen": "127.0.0.1:9108"},
            "gateway": [{"host": url, "token": token, "tz": "Europe/Berlin", "state_file": str(state)}]}


async def test_a_gateway_with_a_zone_keeps_its_closes_in_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "roof.json"
    device_today = capture_json(CAPTURE, "production.json")["production"][1]["whToday"]
    async with replay_envoy(CAPTURE) as envoy, http_session() as session:
        config = parse_config(config_for(envoy.url, envoy.mint_token(), state))
        assert config.gateways[0].tz == "Europe/Berlin"
        fleet = Fleet(config, session)
        assert await fleet.poll(fleet.states[0])
        data = fleet.states[0].data
        assert data is not None
        assert data.production is not None
        assert data.production.device_wh_today == device_today
        assert data.production.wh_today == device_today  # the first reading: a plausible device figure seeds
        saved = json.loads(state.read_text())
        assert list(saved["counters"]["production"]["seeded"]) == list(saved["counters"]["production"]["closes"])
        for gateway in fleet._gateways.values():
            await gateway.close()
        again = Fleet(config, session)
        again._gateway(again.states[0])
        restored = again._gateways[0].daily
        assert restored is not None
        assert restored.to_state() == saved
        await again._gateways[0].close()


@pytest.mark.parametrize(("gateway", "key", "words"), [
    ({"host": "a", "tz": "Mars/Olympus"}, "gateway[0].tz", "unknown time zone 'Mars/Olympus'"),
    ({"host": "a", "state_file": "/tmp/x.json"}, "gateway[0].state_file", "without a tz"),
])
def test_zone_mistakes_name_their_key(gateway: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"prometheus": {"listen": "127.0.0.1:9108"}, "gateway": [gateway]}, path="fleet.toml")
    assert caught.value.key == key
    assert words in caught.value.message
