"""Token authentication (firmware >= 7): pasted tokens, the simulated Enphase cloud, expiry, audience, 401s."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest

from iqgateway import (
    AuthenticationError,
    AuthenticationRequired,
    AuthKind,
    CloudEndpoints,
    CloudError,
    Gateway,
    InvalidCredentials,
    MfaRequired,
    TokenExpired,
)
from iqgateway.auth.enlighten import fetch_token
from iqgateway.simulator.enlighten import DEMO_EMAIL, DEMO_PASSWORD
from iqgateway.simulator.testing import replay_envoy, simulated_cloud
from tests.lib.conftest import capture_json, connected
from tests.shared import capture_serial

CAPTURE = "8.1.41"


async def test_pasted_token_reads_with_one_device_session() -> None:
    async with replay_envoy(CAPTURE) as envoy:
        token = envoy.mint_token()
        async with connected(envoy, token=token) as gateway:
            first = await gateway.update()
            await gateway.update()
            await gateway.update()
            assert gateway.auth_kind is AuthKind.TOKEN
            assert gateway.manual_token
            assert gateway.token_user == "owner"
            assert gateway.token == token
            expires = gateway.token_expires_at
            assert expires is not None
            assert dt.timedelta(days=364) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=365)
        assert first.info.serial == capture_serial(CAPTURE)
        # check_jwt opened one session; every later request came back with its cookie
        assert envoy.stats.sessions_opened == 1
        assert envoy.stats.count("/auth/check_jwt") == 1
        by_cookie = [r for r in envoy.stats.log if r.auth == "cookie"]
        assert by_cookie or all(r.auth in ("open", "bearer") for r in envoy.stats.log)


async def test_token_from_the_simulated_cloud_and_refresh() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(enlighten_url=cloud.url, entrez_url=cloud.url)) as gateway:
            await gateway.probe()
            data = await gateway.update()
            assert not gateway.manual_token
            assert cloud.tokens_issued == 1
            first = gateway.token
            await gateway.refresh_token()
            assert cloud.tokens_issued == 2
            assert gateway.token != first
            again = await gateway.update()
        assert data.encharge is not None
        assert again.production is not None
        assert again.production.wh_lifetime == data.production.wh_lifetime if data.production else False


async def test_expired_token_is_refused_before_asking_the_device() -> None:
    async with replay_envoy(CAPTURE) as envoy:
        async with Gateway(envoy.url, token=envoy.mint_token(days=-1)) as gateway:
            with pytest.raises(TokenExpired) as caught:
                await gateway.authenticate()
        assert envoy.stats.count("/auth/check_jwt") == 0
        assert envoy.address in str(caught.value)


async def test_token_for_another_gateway_is_invalid() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        other = cloud.mint("999999999999")
        async with Gateway(envoy.url, token=other) as gateway:
            with pytest.raises(InvalidCredentials, match="999999999999") as caught:
                await gateway.authenticate()
        assert other not in str(caught.value)


async def test_malformed_token_never_echoed() -> None:
    async with replay_envoy(CAPTURE) as envoy:
        async with Gateway(envoy.url, token="not-a.jwt-at.all") as gateway:
            with pytest.raises(InvalidCredentials) as caught:
                await gateway.authenticate()
        assert "not-a.jwt-at.all" not in str(caught.value)


async def test_firmware_7_without_credentials() -> None:
    async with replay_envoy(CAPTURE) as envoy, Gateway(envoy.url) as gateway:
        with pytest.raises(AuthenticationRequired, match="needs a token"):
            await gateway.authenticate()


async def test_mfa_account_must_paste_a_token() -> None:
    async with simulated_cloud(accounts={"mfa@example.invalid": "pw"}, mfa_accounts=["mfa@example.invalid"]) as cloud, \
            replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, username="mfa@example.invalid", password="pw",
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            with pytest.raises(MfaRequired, match="paste"):
                await gateway.authenticate()
        assert cloud.tokens_issued == 0


async def test_wrong_cloud_password() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, username=DEMO_EMAIL, password="not-the-password",
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            with pytest.raises(InvalidCredentials) as caught:
                await gateway.authenticate()
        assert "not-the-password" not in str(caught.value)


async def test_cloud_down_is_a_bounded_cloud_error() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        await cloud.down("refuse")
        gateway = Gateway(envoy.url, username=DEMO_EMAIL, password=DEMO_PASSWORD,
                          cloud=CloudEndpoints(cloud.url, cloud.url))
        try:
            async with asyncio.timeout(20):
                with pytest.raises(CloudError, match="Enlighten login"):
                    await gateway.authenticate()
        finally:
            await gateway.close()
            await cloud.up()


async def test_hanging_cloud_gives_up_after_its_attempts() -> None:
    async with simulated_cloud() as cloud:
        await cloud.down("hang")
        async with aiohttp.ClientSession() as session:
            try:
                async with asyncio.timeout(10):
                    with pytest.raises(CloudError, match="tried 2 times"):
                        await fetch_token(session, CloudEndpoints(cloud.url, cloud.url), username=DEMO_EMAIL,
                                          password=DEMO_PASSWORD, serial="1", limit_s=0.5, attempts=2)
            finally:
                await cloud.up()


async def test_cloud_error_page_then_success() -> None:
    """An HTML page with status 200 once: the bounded retry gets the token on the second try."""
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        cloud.fail_next(1, status=200, html_body="<html><body>maintenance</body></html>")
        async with Gateway(envoy.url, username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            await gateway.authenticate()
        assert cloud.tokens_issued == 1
        assert cloud.logins == 1


async def test_401_on_an_optional_endpoint_is_not_an_auth_failure() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        before = await gateway.update()
        envoy.faults.add("401", "/ivp/ensemble/power")
        after = await gateway.update()
        status = after.endpoints["/ivp/ensemble/power"]
        assert status.stale
        assert status.error is not None
        assert "401" in status.error
        # the last good battery data stays, production is fresh
        assert after.encharge == before.encharge
        assert not after.endpoints["/production.json?details=1"].stale


async def test_401_on_an_optional_endpoint_from_the_start() -> None:
    async with replay_envoy(CAPTURE, faults=["401:/ivp/ss/dry_contact_settings"]) as envoy, \
            connected(envoy) as gateway:
        data = await gateway.update()
        power = capture_json(CAPTURE, "api_v1_production_inverters")
        assert len(data.inverters) == len(power)
        assert data.production is not None


async def test_401_on_the_required_source_rechecks_the_token_once() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        await gateway.update()
        checks = envoy.stats.count("/auth/check_jwt")
        envoy.faults.add("401", "/production.json")
        with pytest.raises(AuthenticationRequired) as caught:
            await gateway.update()
        assert "/production.json" in str(caught.value)
        assert envoy.address in str(caught.value)
        assert envoy.stats.count("/auth/check_jwt") == checks + 1


async def test_revoked_token_fails_the_update() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        await gateway.update()
        envoy.revoke_tokens()
        with pytest.raises(AuthenticationError):
            await gateway.update()


async def test_pasted_token_cannot_be_refreshed() -> None:
    async with replay_envoy(CAPTURE) as envoy, connected(envoy) as gateway:
        with pytest.raises(AuthenticationError, match="paste a new token"):
            await gateway.refresh_token()


async def test_expired_stored_token_is_replaced_from_the_cloud() -> None:
    """A stored token with the Enlighten credentials beside it (as a config entry keeps them) renews itself."""
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, token=envoy.mint_token(days=-1), username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            assert not gateway.manual_token
            await gateway.authenticate()
            assert cloud.tokens_issued == 1
            assert not gateway.manual_token
            data = await gateway.update()
        assert data.production is not None


async def test_rejected_stored_token_is_replaced_from_the_cloud() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        stored = envoy.mint_token()
        await asyncio.sleep(1.1)  # revocation covers tokens issued before the current second
        envoy.revoke_tokens()
        async with Gateway(envoy.url, token=stored, username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            await gateway.authenticate()
        assert cloud.tokens_issued == 1
        assert gateway.token != stored


async def test_token_revoked_while_running_is_renewed_from_the_cloud() -> None:
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            first = await gateway.update()
            await asyncio.sleep(1.1)  # revocation covers tokens issued before the current second
            envoy.revoke_tokens()
            again = await gateway.update()
        assert cloud.tokens_issued == 2
        assert again.production == first.production


async def test_failed_background_refresh_is_not_retried_every_update() -> None:
    """A token due for renewal while the cloud fails: updates go on, the cloud is asked once an hour, not per update."""
    async with simulated_cloud() as cloud, replay_envoy(CAPTURE, cloud=cloud) as envoy:
        async with Gateway(envoy.url, token=envoy.mint_token(days=10), username=DEMO_EMAIL, password=DEMO_PASSWORD,
                           cloud=CloudEndpoints(cloud.url, cloud.url)) as gateway:
            await gateway.probe()
            cloud.fail_next(100, status=500)
            first = await gateway.update()
            asked = cloud.requests
            second = await gateway.update()
            assert cloud.requests == asked
        assert asked >= 1
        assert cloud.tokens_issued == 0
        assert first.production is not None
        assert second.production is not None
