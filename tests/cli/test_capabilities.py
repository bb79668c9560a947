"""`iqgateway capabilities`: the report as a table and as JSON, against the simulator over HTTPS."""

from __future__ import annotations

import json

from iqgateway.simulator.testing import profile_envoy

from .common import invoke_async

INSTALLER_ONLY = ("production_power_mode", "export_limit", "grid_profile", "plc_signal_check")


async def test_json_with_an_owner_token_says_needs_installer() -> None:
    async with profile_envoy("metered") as envoy:
        result = await invoke_async(["capabilities", envoy.url, "--token", envoy.mint_token(user="owner"), "--json"])
        firmware = envoy.source.firmware
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["role"], doc["firmware"]) == ("owner", firmware)
    for name in INSTALLER_ONLY:
        assert doc["capabilities"][name]["state"] == "needs_installer_role"
    assert doc["capabilities"]["relay_writes"]["state"] == "not_on_hardware"


async def test_table_with_an_installer_token() -> None:
    async with profile_envoy("metered") as envoy:
        result = await invoke_async(["capabilities", envoy.url, "--token", envoy.mint_token(user="installer")])
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line.split()[3] for line in result.stdout.splitlines()
            if line.startswith("│") and line.split()[1] in (*INSTALLER_ONLY, "realtime_stream")}
    assert rows == {"production_power_mode": "available", "export_limit": "available",
                    "grid_profile": "available", "plc_signal_check": "available", "realtime_stream": "available"}
    assert "role installer" in result.stdout
