"""The simulated installer endpoints over real HTTPS: role checks, writes read back, set_profile's answers."""

from __future__ import annotations

import json

import aiohttp

from iqgateway.simulator.installer import AGF, AGF_SET, DPEL, POWER_MODE, PROFILES
from iqgateway.simulator.testing import profile_envoy


async def test_set_profile_accepts_a_known_id_and_gives_a_reason_for_an_unknown_one() -> None:
    async with profile_envoy("metered") as envoy, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {envoy.mint_token(user='installer')}"}
        for wanted, answer in ((PROFILES[1]["id"], {"status": "accepted"}),
                               ("nope", {"status": "failed", "reason": "unknown profile 'nope'"})):
            async with session.put(envoy.url + AGF_SET, ssl=False, headers=headers,
                                   data=json.dumps({"selected_profile": wanted})) as reply:
                assert (reply.status, json.loads(await reply.read())) == (200, answer)
        async with session.get(envoy.url + AGF, ssl=False, headers=headers) as reply:
            assert json.loads(await reply.read())["selected_profile"] == PROFILES[1]["id"]


async def test_owner_writes_are_refused_and_change_nothing() -> None:
    async with profile_envoy("metered") as envoy, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {envoy.mint_token(user='owner')}"}
        async with session.put(envoy.url + POWER_MODE, ssl=False, headers=headers,
                               data=json.dumps({"length": 1, "arr": [1]})) as reply:
            assert reply.status == 401
        async with session.post(envoy.url + DPEL, ssl=False, headers=headers,
                                data=json.dumps({"dynamic_pel_settings": {"enable": True}})) as reply:
            assert reply.status == 401
    assert envoy.installer.power_forced_off is False
    assert envoy.installer.dpel["enable"] is False
