"""Headless Chromium driven over its DevTools protocol (a websocket, through aiohttp).

Enough to open a Home Assistant page logged in (through the frontend's own OAuth callback:
`?auth_callback=1&code=...&state=...`), wait until the page shows some text (searched through
shadow roots: HA's frontend is web components), and save a PNG screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)

# Every text node of the page, shadow DOM included, as one string.
DEEP_TEXT = """(() => {
  const parts = [];
  const walk = (node) => {
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) parts.push(child.textContent);
      else walk(child);
    }
  };
  walk(document.documentElement);
  return parts.join(" ").replace(/\\s+/g, " ");
})()"""


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def oauth_state(base_url: str) -> str:
    """The `state` the HA frontend decodes on its auth callback: base64 of {hassUrl, clientId}."""
    state = {"hassUrl": base_url, "clientId": base_url + "/"}
    return base64.b64encode(json.dumps(state).encode()).decode()


class Page:
    """One browser tab."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, params: dict[str, Any] | None = None, timeout_s: float = 30.0) -> Any:
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params or {}})
        async with asyncio.timeout(timeout_s):
            while True:
                message = await self._ws.receive_json()
                if message.get("id") == call_id:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    return message.get("result")

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", {"url": url})

    async def text(self) -> str:
        result = await self.send("Runtime.evaluate", {"expression": DEEP_TEXT, "returnByValue": True})
        return str(result.get("result", {}).get("value", ""))

    async def wait_for_text(self, wanted: Sequence[str], timeout_s: float) -> str:
        """Poll the page text until every string in `wanted` shows; returns the text."""
        end = time.monotonic() + timeout_s
        text = ""
        while time.monotonic() < end:
            text = await self.text()
            if all(item in text for item in wanted):
                return text
            await asyncio.sleep(0.5)
        missing = [item for item in wanted if item not in text]
        raise AssertionError(f"page never showed {missing}; it shows: {text[:500]!r}")

    async def screenshot(self, path: Path) -> None:
        result = await self.send("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))


@contextlib.asynccontextmanager
async def open_page(profile_dir: Path, *, width: int = 1400, height: int = 1000) -> AsyncIterator[Page]:
    """Start Chromium with remote debugging on a free port; yield its first tab; stop it on exit."""
    binary = chromium_path()
    if binary is None:
        raise FileNotFoundError("chromium")
    profile_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(binary),
        *FLAGS,
        f"--user-data-dir={profile_dir}",
        f"--window-size={width},{height}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "about:blank",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = await _devtools_port(profile_dir / "DevToolsActivePort", process)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as resp:
                targets = await resp.json()
            page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
            async with session.ws_connect(page_ws, max_msg_size=64 * 1024 * 1024) as ws:
                page = Page(ws)
                await page.send("Page.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                )
                yield page
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _devtools_port(marker: Path, process: subprocess.Popen[bytes]) -> int:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with code {process.returncode}")
        if marker.is_file():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].isdigit():
                return int(first[0])
        await asyncio.sleep(0.2)
    raise RuntimeError("chromium did not open its DevTools port within 30 s")
