"""A small client for the parts of Home Assistant's HTTP API that `make run` drives.

Onboarding (`/api/onboarding/*`), the login flow (`/auth/login_flow`, `/auth/token`), config
flows (`/api/config/config_entries/*`) and the device/entity registries (websocket). Only the
documented REST/websocket API a browser uses: nothing reaches into Home Assistant's internals.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

LOGIN_HANDLER = ["homeassistant", None]


class HassApiError(Exception):
    """Home Assistant answered something the setup cannot go on with."""


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


class HassClient:
    """Talks to one Home Assistant instance at `base_url` (e.g. "http://127.0.0.1:8123")."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = self.base_url + "/"
        self.redirect_uri = self.base_url + "/?auth_callback=1"
        self._session = session
        self._access_token: str | None = None

    async def wait_until_up(self, deadline_s: float, alive: Any = None) -> None:
        """Wait for the HTTP server (it starts once the frontend and onboarding are set up)."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if alive is not None and not alive():
                raise HassApiError("Home Assistant exited during start-up")
            try:
                # 200 once onboarded, 400 ("onboarding required") before: either way the server is up.
                async with self._session.get(f"{self.base_url}/auth/providers") as resp:
                    if resp.status < 500:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(1.0)
        raise HassApiError(f"Home Assistant did not answer on {self.base_url} within {deadline_s:.0f} s")

    async def onboarding_steps_left(self) -> list[str]:
        """Steps not done yet; [] once onboarding is complete (the views are then gone: 404)."""
        async with self._session.get(f"{self.base_url}/api/onboarding") as resp:
            if resp.status == 404:
                return []
            await _expect(resp, "/api/onboarding")
            steps = await resp.json()
        return [str(step["step"]) for step in steps if not step["done"]]

    async def onboard(self, *, name: str, username: str, password: str, language: str = "en") -> None:
        """Complete every onboarding step still open, ending logged in as the new owner."""
        left = await self.onboarding_steps_left()
        if "user" in left:
            body = {
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": language,
            }
            data = await self._post_json("/api/onboarding/users", body, auth=False)
            await self._exchange_code(str(data["auth_code"]))
        else:
            await self.login(username, password)
        if "core_config" in left:
            await self._post_json("/api/onboarding/core_config", {})
        if "analytics" in left:
            await self._post_json("/api/onboarding/analytics", {})
        if "integration" in left:
            await self._post_json(
                "/api/onboarding/integration", {"client_id": self.client_id, "redirect_uri": self.redirect_uri}
            )

    async def login(self, username: str, password: str) -> Tokens:
        """Log in through the login flow the frontend uses; keeps the access token for later calls."""
        code = await self.login_code(username, password)
        return await self._exchange_code(code)

    async def login_code(self, username: str, password: str) -> str:
        """An authorization code for `username` (single use, valid minutes)."""
        flow = await self._post_json(
            "/auth/login_flow",
            {"client_id": self.client_id, "handler": LOGIN_HANDLER, "redirect_uri": self.redirect_uri},
            auth=False,
        )
        result = await self._post_json(
            f"/auth/login_flow/{flow['flow_id']}",
            {"username": username, "password": password, "client_id": self.client_id},
            auth=False,
        )
        if result.get("type") != "create_entry":
            raise HassApiError(f"login as {username!r} refused: {result.get('errors') or result.get('reason')}")
        return str(result["result"])

    async def _exchange_code(self, code: str) -> Tokens:
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self._session.post(f"{self.base_url}/auth/token", data=form) as resp:
            await _expect(resp, "/auth/token")
            data = await resp.json()
        self._access_token = str(data["access_token"])
        return Tokens(self._access_token, str(data["refresh_token"]), int(data["expires_in"]))

    async def config_entries(self, domain: str | None = None) -> list[dict[str, Any]]:
        params = {"domain": domain} if domain else {}
        async with self._session.get(
            f"{self.base_url}/api/config/config_entries/entry", params=params, headers=self._auth()
        ) as resp:
            await _expect(resp, "/api/config/config_entries/entry")
            entries: list[dict[str, Any]] = await resp.json()
        return entries

    async def delete_entry(self, entry_id: str) -> None:
        path = f"/api/config/config_entries/entry/{entry_id}"
        async with self._session.delete(f"{self.base_url}{path}", headers=self._auth()) as resp:
            if resp.status != 404:
                await _expect(resp, path)

    async def start_flow(self, handler: str) -> dict[str, Any]:
        return await self._post_json(
            "/api/config/config_entries/flow", {"handler": handler, "show_advanced_options": False}
        )

    async def flow_step(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        return await self._post_json(f"/api/config/config_entries/flow/{flow_id}", data)

    async def ws_command(self, command: dict[str, Any]) -> Any:
        """One websocket command (e.g. `config/device_registry/list`); returns its result."""
        async with self._session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            hello = await ws.receive_json()
            if hello.get("type") != "auth_required":
                raise HassApiError(f"unexpected websocket greeting {hello.get('type')!r}")
            await ws.send_json({"type": "auth", "access_token": self._token()})
            auth = await ws.receive_json()
            if auth.get("type") != "auth_ok":
                raise HassApiError("websocket authentication refused")
            await ws.send_json({"id": 1, **command})
            while True:
                msg = await ws.receive_json()
                if msg.get("id") == 1 and msg.get("type") == "result":
                    if not msg.get("success"):
                        raise HassApiError(f"{command['type']} failed: {msg.get('error')}")
                    return msg["result"]

    async def _post_json(self, path: str, body: dict[str, Any], *, auth: bool = True) -> dict[str, Any]:
        headers = self._auth() if auth else {}
        async with self._session.post(f"{self.base_url}{path}", json=body, headers=headers) as resp:
            await _expect(resp, path)
            data: dict[str, Any] = await resp.json()
        return data

    def _token(self) -> str:
        if self._access_token is None:
            raise HassApiError("not logged in to Home Assistant")
        return self._access_token

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}"}


async def _expect(resp: aiohttp.ClientResponse, path: str) -> None:
    if resp.status >= 400:
        text = (await resp.text())[:300]
        raise HassApiError(f"Home Assistant answered {resp.status} to {resp.method} {path}: {text}")
