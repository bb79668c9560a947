"""The simulator's admin API (under /__simulator__/ on the device's port): counters, faults, device actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .faults import make_fault

ADMIN_PREFIX = "/__simulator__"

if TYPE_CHECKING:
    from .server import SimulatedEnvoy


def admin_action(envoy: SimulatedEnvoy, method: str, route: str, payload: dict[str, Any], with_log: bool) -> Any:
    """The answer of one admin request (None: no such endpoint)."""
    if route == "/" and method == "GET":
        from . import server

        return {
            "serial": envoy.source.serial,
            "firmware": envoy.source.firmware,
            "url": envoy.url,
            "endpoints": [line.strip() for line in (server.__doc__ or "").splitlines() if ADMIN_PREFIX in line][1:],
        }
    if route == "/stats" and method == "GET":
        return {
            **envoy.stats.as_dict(with_log=with_log),
            "sessions_open": envoy.session_count,
            "frozen": envoy.faults.frozen,
            "booting": envoy.faults.booting(),
        }
    if route == "/stats" and method == "DELETE":
        envoy.stats.reset()
        return {"ok": True}
    if route == "/faults" and method == "GET":
        return {"faults": envoy.faults.as_list()}
    if route == "/faults" and method == "POST":
        if "spec" in payload:
            fault = envoy.faults.add_spec(str(payload["spec"]))
        else:
            params = payload.get("params") or {}
            if not isinstance(params, dict):
                raise ValueError("params must be an object")
            count = payload.get("count")
            fault = envoy.faults.add(
                make_fault(
                    str(payload["kind"]),
                    str(payload.get("path") or "*"),
                    count=int(count) if count is not None else None,
                    **params,
                )
            )
        return fault.as_dict()
    if route == "/faults" and method == "DELETE":
        envoy.faults.clear()
        return {"ok": True}
    if route == "/stream" and method == "GET":
        return envoy.stream.settings.as_dict() | {"frames_sent": envoy.stream.frames_sent,
                                                  "connections": envoy.stream.connections}
    if route == "/stream" and method == "POST":
        envoy.stream.settings.update(payload)
        return envoy.stream.settings.as_dict()
    if method != "POST":
        return None
    if route == "/reboot":
        boot = payload.get("boot_s")
        envoy.reboot(float(boot) if boot is not None else None)
        return {"ok": True}
    if route == "/upgrade":
        envoy.upgrade_firmware(str(payload["version"]))
        return {"ok": True, "firmware": envoy.source.firmware}
    if route == "/reset_lifetime":
        envoy.reset_lifetime()
        return {"ok": True}
    if route == "/revoke":
        envoy.revoke_tokens()
        return {"ok": True}
    if route == "/token":
        return {"token": envoy.mint_token(float(payload.get("days", 365)), str(payload.get("user", "owner")))}
    return None
