"""HTTP Digest (firmware < 7): our own RFC 7616 client against the simulator's Digest check."""

from __future__ import annotations

import pytest

from iqgateway import AuthenticationRequired, AuthKind, Gateway, InvalidCredentials
from iqgateway.auth.digest import DigestAuth, parse_challenge, resolve_credentials
from iqgateway.auth.passwords import envoy_password, installer_password
from iqgateway.simulator.testing import replay_envoy
from tests.lib.conftest import capture_json
from tests.shared import capture_serial

LEGACY = "5.0.62"


def capture_production_lifetime(capture: str) -> float:
    """The lifetime production of the capture's /api/v1/production (this device's production source)."""
    return float(capture_json(capture, "api_v1_production")["wattHoursLifetime"])


@pytest.mark.parametrize(
    ("serial", "password"),
    [("122112123456", "d525d2jh"), ("123456789012", "7edE24ed"), ("202439990001", "959ahD5b")],
)
def test_installer_password_vectors(serial: str, password: str) -> None:
    assert installer_password(serial) == password


def test_rfc7616_md5_example() -> None:
    """The MD5 example of RFC 7616 section 3.9.1 gives its published response."""
    challenge = parse_challenge(
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    assert challenge is not None
    assert challenge.qop == "auth"
    auth = DigestAuth("Mufasa", "Circle of Life", cnonce=lambda: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
    assert auth.accept_challenge((
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    ))
    header = auth.header("GET", "/dir/index.html")
    assert header is not None
    assert 'response="8ca523f5e9506fed4657c9700eebdbec"' in header
    assert "nc=00000001" in header
    assert "nc=00000002" in (auth.header("GET", "/dir/index.html") or "")


def test_same_nonce_again_is_not_worth_retrying() -> None:
    auth = DigestAuth("installer", "x")
    first = ('Digest realm="enphaseenergy.com", qop="auth", nonce="abc"',)
    assert auth.accept_challenge(first)
    assert not auth.accept_challenge(first)  # same nonce refused again: the password is wrong
    assert auth.accept_challenge(('Digest realm="enphaseenergy.com", qop="auth", nonce="abc", stale=true',))
    assert not auth.accept_challenge(('Basic realm="x"',))


def test_credentials_resolution() -> None:
    assert resolve_credentials(None, None, "121621012167") is None
    assert resolve_credentials("installer", "", "122112123456") == ("installer", "d525d2jh")
    assert resolve_credentials("envoy", None, "121621012167") == ("envoy", "012167")
    assert resolve_credentials("someone", "secret", "1") == ("someone", "secret")
    with pytest.raises(InvalidCredentials):
        resolve_credentials("someone", None, "1")


async def test_installer_digest_reads_and_reuses_the_nonce() -> None:
    async with replay_envoy(LEGACY) as envoy:
        async with Gateway(envoy.url, username="installer") as gateway:
            await gateway.setup()
            await gateway.authenticate()
            assert gateway.auth_kind is AuthKind.DIGEST
            await gateway.probe()
            data = await gateway.update()
            await gateway.update()
        assert data.info.serial == capture_serial(LEGACY)
        v1 = capture_json(LEGACY, "api_v1_production")
        assert data.production is not None
        assert data.production.wh_lifetime == v1["wattHoursLifetime"]
        # one challenge round at the first request, then the cached nonce answers straight away
        denied = [r for r in envoy.stats.log if r.auth == "denied"]
        assert len(denied) == 1
        assert envoy.stats.requests > 10


async def test_envoy_user_gets_in_with_the_serial_digits() -> None:
    async with replay_envoy(LEGACY) as envoy:
        async with Gateway(envoy.url, username="envoy") as gateway:
            await gateway.probe()
            data = await gateway.update()
        assert envoy_password(data.info.serial) == data.info.serial[-6:]
        assert data.production is not None


async def test_wrong_password_is_authentication_required_naming_the_endpoint() -> None:
    async with replay_envoy(LEGACY) as envoy:
        async with Gateway(envoy.url, username="installer", password="wrong-one") as gateway:
            with pytest.raises(AuthenticationRequired) as caught:
                await gateway.probe()
        assert envoy.address in str(caught.value)
        assert "production" in str(caught.value)
        assert "wrong-one" not in str(caught.value)


async def test_no_credentials_on_a_digest_device_use_installer_by_default() -> None:
    async with replay_envoy(LEGACY) as envoy, Gateway(envoy.url) as gateway:
        await gateway.authenticate()
        assert gateway.auth_kind is AuthKind.DIGEST
        await gateway.probe()
        data = await gateway.update()
    assert data.production is not None
    assert data.features.production_source == "/api/v1/production"
    assert data.production.wh_lifetime == capture_production_lifetime(LEGACY)


async def test_no_credentials_fall_back_to_envoy_when_installer_is_refused() -> None:
    async with replay_envoy(LEGACY, digest_users=["envoy"]) as envoy, Gateway(envoy.url) as gateway:
        await gateway.probe()
        data = await gateway.update()
    assert data.production is not None
    assert data.production.wh_lifetime == capture_production_lifetime(LEGACY)


async def test_no_credentials_and_both_default_users_refused_says_so() -> None:
    async with replay_envoy(LEGACY, digest_users=[]) as envoy, Gateway(envoy.url) as gateway:
        with pytest.raises(AuthenticationRequired) as caught:
            await gateway.probe()
    assert "default users installer and envoy with their derived passwords" in str(caught.value)
    assert "--username and --password" in str(caught.value)
