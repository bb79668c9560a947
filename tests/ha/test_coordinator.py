"""The coordinator against the simulator: token renewal, repair issues, firmware change, auth failure,
an outage and its end, and hardware that appears at run time."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta
from typing import Any

import jwt
import pytest
from custom_components.enphase_envoy.const import (
    CONF_USE_MANUAL_TOKEN,
    DOMAIN,
    ISSUE_MANUAL_TOKEN_EXPIRING,
    ISSUE_TOKEN_REFRESH_FAILED,
)
from custom_components.enphase_envoy.installer import installer_issue_id
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_TOKEN, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from iqgateway.auth import session as auth_session
from iqgateway.simulator.enlighten import SimulatedCloud
from tests.shared import capture_serial, capture_version

from .common import envoy_entry_data, setup_envoy_entry
from .conftest import StartEnvoy
from .test_init import poll

TOKEN = "7.6.175_standard"
OLD = "5.0.62"
DAY = 86400.0


def expiry(token: str) -> float:
    exp: float = jwt.decode(token, options={"verify_signature": False})["exp"]
    return exp


def entry_entities(hass: HomeAssistant, entry_id: str) -> list[er.RegistryEntry]:
    return er.async_entries_for_config_entry(er.async_get(hass), entry_id)


# ---------------------------------------------------------------------------------------------- tokens


async def test_cloud_token_renewed_without_reload(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any, freezer: FrozenDateTimeFactory
) -> None:
    cloud: SimulatedCloud = await start_cloud()  # hands out year-long tokens
    envoy = await start_envoy(TOKEN, cloud=cloud)
    serial = capture_serial(TOKEN)
    token = cloud.mint(serial, lifetime_s=40 * DAY)
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, manual_token=False, token=token))
    assert entry.state is ConfigEntryState.LOADED
    first = entry.runtime_data
    assert cloud.tokens_issued == 0  # 40 days left: nothing to do yet

    freezer.tick(timedelta(days=11))  # 29 days left
    await poll(hass, freezer)
    assert cloud.tokens_issued == 1
    renewed = entry.data[CONF_TOKEN]
    assert renewed != token
    assert expiry(renewed) > dt_util.utcnow().timestamp() + 300 * DAY
    assert entry.runtime_data is first  # no reload
    assert first.last_update_success

    await poll(hass, freezer)
    assert cloud.tokens_issued == 1  # a fresh token is not renewed again
    # no token issue (the cloud's owner token keeps the installer-role issue, which says what it cannot do)
    assert {issue_id for _, issue_id in ir.async_get(hass).issues} == {installer_issue_id(entry.entry_id)}


async def test_core_entry_with_expired_token_gets_a_new_one(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any
) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    stale = cloud.mint(capture_serial(TOKEN), lifetime_s=-DAY)
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, manual_token=False, token=stale))
    assert entry.state is ConfigEntryState.LOADED
    assert cloud.tokens_issued == 1
    assert entry.data[CONF_TOKEN] != stale


async def test_core_entry_expired_token_cloud_down_retries(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any
) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    stale = cloud.mint(capture_serial(TOKEN), lifetime_s=-DAY)
    await cloud.down("refuse")
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, manual_token=False, token=stale))
    assert entry.state is ConfigEntryState.SETUP_RETRY  # the cloud is down: try again later, no reauth
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_revoked_cloud_token_is_replaced(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any, freezer: FrozenDateTimeFactory
) -> None:
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    entry = await setup_envoy_entry(hass, envoy, manual_token=False)
    old = entry.data[CONF_TOKEN]
    envoy.revoke_tokens()
    await poll(hass, freezer)
    assert entry.runtime_data.last_update_success
    assert cloud.tokens_issued == 1
    assert entry.data[CONF_TOKEN] != old
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_manual_token_near_expiry_raises_issue(
    hass: HomeAssistant, start_envoy: StartEnvoy
) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, token=envoy.mint_token(days=10)))
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{ISSUE_MANUAL_TOKEN_EXPIRING}_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == ISSUE_MANUAL_TOKEN_EXPIRING
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["title"] == entry.title
    assert issue.translation_placeholders["expires"] == (dt_util.now() + timedelta(days=10)).strftime("%Y-%m-%d")

    # the user pastes a new token (reconfigure): the issue goes away
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": envoy.address, CONF_TOKEN: envoy.mint_token(days=365), CONF_USE_MANUAL_TOKEN: True},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{ISSUE_MANUAL_TOKEN_EXPIRING}_{entry.entry_id}") is None


async def test_removed_entry_leaves_no_issue(hass: HomeAssistant, start_envoy: StartEnvoy) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, token=envoy.mint_token(days=5)))
    issue_id = f"{ISSUE_MANUAL_TOKEN_EXPIRING}_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_cloud_refresh_failure_raises_issue_then_recovers(
    hass: HomeAssistant, start_envoy: StartEnvoy, start_cloud: Any, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # real time here: the library waits between cloud attempts, which a frozen clock would never end;
    # so the hour between two cloud attempts is shortened to nothing
    monkeypatch.setattr(auth_session, "REFRESH_RETRY_S", 0.0)
    cloud: SimulatedCloud = await start_cloud()
    envoy = await start_envoy(TOKEN, cloud=cloud)
    token = cloud.mint(capture_serial(TOKEN), lifetime_s=29 * DAY)
    await cloud.down("refuse")
    entry = await setup_envoy_entry(hass, envoy, data=envoy_entry_data(envoy, manual_token=False, token=token))
    assert entry.state is ConfigEntryState.LOADED  # the old token still works
    coordinator = entry.runtime_data
    issue_id = f"{ISSUE_TOKEN_REFRESH_FAILED}_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["reason"]
    assert entry.data[CONF_TOKEN] == token
    warnings = [r for r in caplog.records if r.name.startswith("custom_components") and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert token not in caplog.text

    await cloud.up()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert cloud.tokens_issued == 1
    assert entry.data[CONF_TOKEN] != token
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_revoked_manual_token_starts_reauth(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    envoy.revoke_tokens()
    await poll(hass, freezer)
    assert not entry.runtime_data.last_update_success
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


# ---------------------------------------------------------------------------------------------- device


async def test_firmware_upgrade_noticed(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    serial = capture_serial(TOKEN)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    assert device.sw_version == capture_version(TOKEN)

    envoy.upgrade_firmware("7.6.358")
    freezer.tick(timedelta(hours=1))  # the hourly identity check
    await poll(hass, freezer)
    await poll(hass, freezer)
    coordinator = entry.runtime_data
    assert coordinator.last_update_success
    assert coordinator.data.info.firmware == "7.6.358"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    assert device.sw_version == "7.6.358"
    changed = [r for r in caplog.records if r.name.startswith("custom_components") and "firmware changed" in r.message]
    assert len(changed) == 1


async def test_firmware_upgrade_after_outage(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    """A device that comes back from an outage is identified again at once."""
    envoy = await start_envoy(OLD)
    entry = await setup_envoy_entry(hass, envoy)
    fault = envoy.faults.add("500")
    await poll(hass, freezer)
    assert not entry.runtime_data.last_update_success
    envoy.upgrade_firmware("5.0.70")
    envoy.faults.remove(fault)
    await poll(hass, freezer)
    assert entry.runtime_data.last_update_success
    assert entry.runtime_data.data.info.firmware == "5.0.70"


async def test_outage_makes_entities_unavailable_and_logs_once(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    entities = [e for e in entry_entities(hass, entry.entry_id) if not e.disabled_by]
    assert entities
    production = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{capture_serial(TOKEN)}_production")
    assert production is not None
    before = hass.states.get(production)
    assert before is not None
    assert before.state != STATE_UNAVAILABLE

    caplog.clear()
    fault = envoy.faults.add("500")
    for _ in range(3):
        await poll(hass, freezer)
    for reg in entities:
        state = hass.states.get(reg.entity_id)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE, reg.entity_id
    lost = [r for r in caplog.records if r.levelno >= logging.ERROR and "Error fetching" in r.message]
    assert len(lost) == 1

    envoy.faults.remove(fault)
    await poll(hass, freezer)
    state = hass.states.get(production)
    assert state is not None
    assert state.state == before.state
    back = [r for r in caplog.records if "recovered" in r.message]
    assert len(back) == 1


async def test_new_inverter_appears_without_reload(
    hass: HomeAssistant, start_envoy: StartEnvoy, freezer: FrozenDateTimeFactory
) -> None:
    envoy = await start_envoy(TOKEN)
    entry = await setup_envoy_entry(hass, envoy)
    first = entry.runtime_data
    path = "/api/v1/production/inverters"
    inverters = copy.deepcopy(envoy.source.documents[path])  # type: ignore[attr-defined]
    newcomer = dict(inverters[0], serialNumber="999912345678", lastReportWatts=123)
    envoy.source.documents[path] = [*inverters, newcomer]  # type: ignore[attr-defined]
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, "999912345678") is None
    for _ in range(6):  # inverter reports are read every 5 minutes
        await poll(hass, freezer)
    assert "999912345678" in entry.runtime_data.data.inverters
    entity_id = registry.async_get_entity_id("sensor", DOMAIN, "999912345678")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert float(state.state) == 123
    assert entry.runtime_data is first
    assert dr.async_get(hass).async_get_device(identifiers={(DOMAIN, "999912345678")}) is not None
