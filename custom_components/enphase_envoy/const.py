"""Constants of the Enphase Envoy integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "enphase_envoy"
MANUFACTURER: Final = "Enphase"

PLATFORMS: Final = [
    Platform.SENSOR,
    Platform.BINARY_SENSOR,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SWITCH,
    Platform.BUTTON,
]

# Config entry data keys beyond HA's host/name/username/password/token.
CONF_USE_MANUAL_TOKEN: Final = "use_manual_token"
CONF_SERIAL: Final = "serial"

OPTION_DIAGNOSTICS_INCLUDE_FIXTURES: Final = "diagnostics_include_fixtures"
OPTION_DISABLE_KEEP_ALIVE: Final = "disable_keep_alive"
# Live power: poll the Envoy's live data every few seconds beside the regular update (off by default).
OPTION_LIVE_POWER: Final = "live_power"
OPTION_LIVE_POWER_INTERVAL: Final = "live_power_interval"
DEFAULT_LIVE_POWER_INTERVAL_S: Final = 5
MIN_LIVE_POWER_INTERVAL_S: Final = 1
MAX_LIVE_POWER_INTERVAL_S: Final = 60

# Load policy (iqgateway.policy): the quiet window (device-local "HH:MM") and the slow-answer threshold.
OPTION_QUIET_WINDOW: Final = "quiet_window"
OPTION_QUIET_START: Final = "quiet_start"
OPTION_QUIET_END: Final = "quiet_end"
OPTION_SLOW_REQUEST_S: Final = "slow_request_s"
POLICY_OPTIONS: Final = {
    OPTION_QUIET_WINDOW: "quiet",
    OPTION_QUIET_START: "quiet_start",
    OPTION_QUIET_END: "quiet_end",
    OPTION_SLOW_REQUEST_S: "slow_s",
}
# Realtime: follow the meter stream (/stream/meter) for the CT sensors (off by default).
OPTION_REALTIME: Final = "realtime"

INSTALLER_USERNAME: Final = "installer"

SCAN_INTERVAL: Final = timedelta(seconds=60)
# Ask for a new cloud token (or warn about a pasted one) this long before the old one expires.
TOKEN_RENEW_BEFORE: Final = timedelta(days=30)

ISSUE_MANUAL_TOKEN_EXPIRING: Final = "manual_token_expiring"
ISSUE_TOKEN_REFRESH_FAILED: Final = "token_refresh_failed"
ISSUE_STREAM_NEEDS_INSTALLER: Final = "stream_needs_installer"
ISSUE_NEEDS_INSTALLER: Final = "needs_installer_role"

# Installer-grade controls (issue 17): the grid profile select writes only with this option on (a wrong profile
# can take a site off the grid); the PLC signal check loads the device, so it is opt-in too (at most hourly).
OPTION_ALLOW_GRID_PROFILE: Final = "allow_grid_profile_changes"
OPTION_PLC_CHECK: Final = "plc_check"
