"""The simulated Enphase cloud: Enlighten login, Entrez token minting, and its failures."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import jwt
import pytest

from iqgateway.simulator.enlighten import DEMO_EMAIL, DEMO_PASSWORD
from iqgateway.simulator.testing import replay_envoy, simulated_cloud
from tests.shared import capture_serial
from tests.simulator.conftest import GENERATOR, DeviceClient

SERIAL = capture_serial(GENERATOR)
ACCOUNTS = {"owner@example.invalid": "s3cret", "mfa@example.invalid": "also-s3cret"}


async def login(http: aiohttp.ClientSession, url: str, email: str, password: str) -> tuple[int, object]:
    form = {"user[email]": email, "user[password]": password}
    async with http.post(f"{url}/login/login.json", data=form) as response:
        return response.status, await response.json(content_type=None)


async def mint(
    http: aiohttp.ClientSession, url: str, session_id: str, email: str, serial: str = SERIAL
) -> tuple[int, str]:
    body = {"session_id": session_id, "serial_num": serial, "username": email}
    async with http.post(f"{url}/tokens", json=body) as response:
        return response.status, await response.text()


async def test_login_and_token_mint_let_the_envoy_in(http: aiohttp.ClientSession) -> None:
    async with (
        simulated_cloud(accounts=ACCOUNTS, token_lifetime_s=3600) as cloud,
        replay_envoy(GENERATOR, cloud=cloud) as envoy,
    ):
        status, answer = await login(http, cloud.url, "owner@example.invalid", "s3cret")
        assert status == 200
        assert isinstance(answer, dict)
        assert answer["is_consumer"] is True
        assert answer["manager_token"]
        status, token = await mint(http, cloud.url, answer["session_id"], "owner@example.invalid")
        assert status == 200
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256"
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["aud"] == SERIAL
        assert claims["iss"] == "Entrez"
        assert claims["enphaseUser"] == "owner"
        assert claims["username"] == "owner@example.invalid"
        assert claims["exp"] - claims["iat"] == 3600
        assert abs(claims["iat"] - time.time()) < 60
        assert cloud.signer.verify(token, SERIAL)
        assert (cloud.logins, cloud.tokens_issued) == (1, 1)
        device = DeviceClient(http, envoy.url, token=token)
        assert (await device.get("/auth/check_jwt")).status == 200
        production = await device.get("/api/v1/production")
        assert production.body == (GENERATOR / "api_v1_production").read_bytes()


async def test_default_demo_account(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud() as cloud:
        status, answer = await login(http, cloud.url, DEMO_EMAIL, DEMO_PASSWORD)
        assert status == 200
        assert isinstance(answer, dict)
        assert len(answer["session_id"]) >= 16


async def test_mfa_account_gets_no_session(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud(accounts=ACCOUNTS, mfa_accounts=["mfa@example.invalid"]) as cloud:
        status, answer = await login(http, cloud.url, "mfa@example.invalid", "also-s3cret")
        assert status == 200
        assert isinstance(answer, dict)
        assert "session_id" not in answer
        assert answer["requires_mfa"] is True
        assert cloud.logins == 0


async def test_bad_credentials_and_unknown_session(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud(accounts=ACCOUNTS) as cloud:
        status, answer = await login(http, cloud.url, "owner@example.invalid", "wrong")
        assert status == 401
        assert isinstance(answer, dict)
        assert "session_id" not in answer
        assert (await login(http, cloud.url, "nobody@example.invalid", "s3cret"))[0] == 401
        status, text = await mint(http, cloud.url, "no-such-session", "owner@example.invalid")
        assert status == 401
        assert text.count(".") != 2
        assert cloud.tokens_issued == 0
        _, good = await login(http, cloud.url, "owner@example.invalid", "s3cret")
        assert isinstance(good, dict)
        assert (await mint(http, cloud.url, good["session_id"], "someone-else@example.invalid"))[0] == 401


async def test_fail_next_then_recovers(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud(accounts=ACCOUNTS) as cloud:
        cloud.fail_next(2, status=503)
        cloud.fail_next(1, status=200, html_body="<html><body>Maintenance</body></html>")
        for expected in (503, 503):
            async with http.post(f"{cloud.url}/login/login.json", data={}) as response:
                assert response.status == expected
                assert response.headers["Content-Type"].startswith("text/html")
        async with http.post(f"{cloud.url}/login/login.json", data={}) as response:
            assert response.status == 200
            assert await response.text() == "<html><body>Maintenance</body></html>"
        status, answer = await login(http, cloud.url, "owner@example.invalid", "s3cret")
        assert status == 200
        assert isinstance(answer, dict)
        assert "session_id" in answer


async def test_cloud_down_refuses_then_comes_back(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud(accounts=ACCOUNTS) as cloud:
        await cloud.down()
        with pytest.raises(aiohttp.ClientConnectionError):
            await login(http, cloud.url, "owner@example.invalid", "s3cret")
        await cloud.up()
        assert (await login(http, cloud.url, "owner@example.invalid", "s3cret"))[0] == 200


async def test_cloud_down_hangs_until_up(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud(accounts=ACCOUNTS) as cloud:
        await cloud.down("hang")
        with pytest.raises(asyncio.TimeoutError):
            async with asyncio.timeout(0.5):
                await login(http, cloud.url, "owner@example.invalid", "s3cret")
        await cloud.up()
        assert (await login(http, cloud.url, "owner@example.invalid", "s3cret"))[0] == 200
