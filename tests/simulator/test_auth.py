"""Device access control: HTTP Digest below firmware 7, JWT + sessionId cookie from 7 on."""

from __future__ import annotations

import aiohttp
import pytest

from iqgateway.auth.passwords import envoy_password, installer_password
from iqgateway.simulator.testing import replay_envoy, simulated_cloud
from tests.shared import capture_serial
from tests.simulator.conftest import GENERATOR, LEGACY, DeviceClient, unsigned_token

UNAUTHORIZED = b"<html><body><h2>401 Unauthorized</h2></body></html>"
VALID = b"<!DOCTYPE html><h2>Valid token.</h2>\n"
LEGACY_SERIAL = capture_serial(LEGACY)
SERIAL = capture_serial(GENERATOR)


async def test_digest_challenge_and_both_users(http: aiohttp.ClientSession) -> None:
    meters = (LEGACY / "ivp_meters").read_bytes()
    async with replay_envoy(LEGACY) as envoy:
        anonymous = await DeviceClient(http, envoy.url).get("/ivp/meters")
        assert anonymous.status == 401
        assert anonymous.body == UNAUTHORIZED
        challenge = anonymous.headers["WWW-Authenticate"]
        assert challenge.startswith("Digest ")
        assert 'realm="enphaseenergy.com"' in challenge
        assert 'qop="auth"' in challenge
        for user, password in (
            ("installer", installer_password(LEGACY_SERIAL)),
            ("envoy", envoy_password(LEGACY_SERIAL)),
        ):
            answer = await DeviceClient(http, envoy.url, user=user, password=password).get("/ivp/meters")
            assert (answer.status, answer.body) == (200, meters), user
        wrong = await DeviceClient(http, envoy.url, user="installer", password="not-the-password").get("/ivp/meters")
        assert wrong.status == 401
        unknown_user = await DeviceClient(http, envoy.url, user="admin", password=envoy_password(LEGACY_SERIAL)).get(
            "/ivp/meters"
        )
        assert unknown_user.status == 401
        info = await DeviceClient(http, envoy.url).get("/info")
        assert info.status == 200
        assert info.body == (LEGACY / "info").read_bytes()
        # a bearer token means nothing to a Digest device
        bearer = await DeviceClient(http, envoy.url, token=unsigned_token(LEGACY_SERIAL)).get("/ivp/meters")
        assert bearer.status == 401


async def test_digest_device_replays_its_own_401(http: aiohttp.ClientSession) -> None:
    capture = LEGACY.parent / "3.8.10"
    async with replay_envoy(capture) as envoy:
        client = DeviceClient(http, envoy.url, user="installer", password=installer_password(capture_serial(capture)))
        answer = await client.get("/ivp/meters")
        assert answer.status == 401
        assert answer.body == (capture / "ivp_meters").read_bytes()
        assert answer.headers["WWW-Authenticate"].startswith("Digest ")


async def test_check_jwt_sets_session_cookie_that_works_alone(http: aiohttp.ClientSession) -> None:
    inventory = (GENERATOR / "ivp_ensemble_inventory").read_bytes()
    async with replay_envoy(GENERATOR) as envoy:
        no_token = await DeviceClient(http, envoy.url).get("/ivp/ensemble/inventory")
        assert (no_token.status, no_token.body) == (401, UNAUTHORIZED)
        assert "WWW-Authenticate" not in no_token.headers
        check = await DeviceClient(http, envoy.url, token=unsigned_token(SERIAL)).get("/auth/check_jwt")
        assert (check.status, check.body) == (200, VALID)
        assert check.headers["Content-Type"] == "text/html"
        cookie = check.headers["Set-Cookie"]
        assert cookie.startswith("sessionId=")
        assert "Path=/" in cookie
        assert "HttpOnly" in cookie
        assert "Secure" in cookie
        session_id = cookie.split(";")[0].split("=", 1)[1]
        async with aiohttp.ClientSession() as bare:
            alone = await DeviceClient(bare, envoy.url).get(
                "/ivp/ensemble/inventory", headers={"Cookie": f"sessionId={session_id}"}
            )
            assert (alone.status, alone.body) == (200, inventory)
            forged = await DeviceClient(bare, envoy.url).get(
                "/ivp/ensemble/inventory", headers={"Cookie": "sessionId=0123456789abcdef"}
            )
            assert forged.status == 401
        assert envoy.stats.sessions_opened == 1


@pytest.mark.parametrize(
    ("label", "token"),
    [
        ("expired", unsigned_token(SERIAL, lifetime_s=-60)),
        ("wrong audience", unsigned_token("999999999999")),
        ("not a JWT", "not-a-token"),
        ("garbage payload", "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln"),
    ],
    ids=["expired", "wrong audience", "not a JWT", "garbage payload"],
)
async def test_bad_tokens_are_refused(label: str, token: str, http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        client = DeviceClient(http, envoy.url, token=token)
        check = await client.get("/auth/check_jwt")
        assert check.status == 401, label
        assert "Set-Cookie" not in check.headers
        assert (await client.get("/api/v1/production")).status == 401, label


async def test_bearer_without_cookie_opens_a_session_each_time(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        client = DeviceClient(http, envoy.url, token=unsigned_token(SERIAL))
        for _ in range(3):
            answer = await client.get("/api/v1/production")
            assert answer.body == (GENERATOR / "api_v1_production").read_bytes()
        assert envoy.stats.sessions_opened == 3
        assert [entry.auth for entry in envoy.stats.log] == ["bearer"] * 3


async def test_revoke_makes_tokens_and_cookies_401(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR) as envoy:
        token = unsigned_token(SERIAL)
        client = DeviceClient(http, envoy.url, token=token)
        assert (await client.get("/auth/check_jwt")).status == 200
        assert (await client.get("/ivp/meters")).status == 200
        envoy.revoke_tokens()
        assert (await client.get("/ivp/meters")).status == 401  # cookie and token both dead
        async with aiohttp.ClientSession() as bare:
            assert (await DeviceClient(bare, envoy.url, token=token).get("/ivp/meters")).status == 401
            fresh = envoy.mint_token()
            assert (await DeviceClient(bare, envoy.url, token=fresh).get("/ivp/meters")).status == 200


async def test_cloud_signed_tokens_are_verified(http: aiohttp.ClientSession) -> None:
    async with simulated_cloud() as cloud, replay_envoy(GENERATOR, cloud=cloud) as envoy:
        token = cloud.mint(SERIAL)
        assert (await DeviceClient(http, envoy.url, token=token).get("/api/v1/production")).status == 200
        header, payload, signature = token.split(".")
        tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
        assert (await DeviceClient(http, envoy.url, token=tampered).get("/api/v1/production")).status == 401
        # the envoy's own minted token comes from the same key
        assert (await DeviceClient(http, envoy.url, token=envoy.mint_token()).get("/ivp/meters")).status == 200


async def test_auth_none_opens_everything(http: aiohttp.ClientSession) -> None:
    async with replay_envoy(GENERATOR, auth="none") as envoy, replay_envoy(LEGACY, auth="none") as legacy:
        answer = await DeviceClient(http, envoy.url).get("/ivp/meters")
        assert answer.body == (GENERATOR / "ivp_meters").read_bytes()
        answer = await DeviceClient(http, legacy.url).get("/ivp/meters")
        assert answer.body == (LEGACY / "ivp_meters").read_bytes()
