"""The spinner, seen through a pseudo-terminal: it shows the step of a slow read, and never with --json or a pipe."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import sys

from iqgateway.simulator.testing import replay_envoy

from .common import WIDE, iqgateway

CAPTURE = "7.6.175_with_cts"
SLOW = "latency=2:/ivp/meters"  # one probe endpoint answers after 2 s: the read takes longer than a second
SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _drain(master: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


async def in_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run `iqgateway` with stdin, stdout and stderr on a pseudo-terminal; (exit code, all it showed)."""
    master, slave = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "iqgateway.cli", *args, stdin=slave, stdout=slave, stderr=slave,
            env={**os.environ, **WIDE, "TERM": "xterm-256color", "NO_COLOR": "", **env},
        )
    finally:
        os.close(slave)
    try:
        reader = asyncio.create_task(asyncio.to_thread(_drain, master))
        async with asyncio.timeout(90):
            code = await proc.wait()
            shown = await reader
    finally:
        os.close(master)
    return code, shown.decode("utf-8", "replace")


async def test_a_slow_read_shows_the_spinner_with_its_step() -> None:
    async with replay_envoy(CAPTURE, faults=[SLOW]) as envoy:
        code, shown = await in_terminal("read", envoy.url, env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert code == 0, shown
    assert re.search(r"probing \d+ endpoints… /ivp/meters\b", shown)  # the step, with the endpoint in flight
    assert any(frame in shown for frame in SPINNER_FRAMES)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert f"IQ Gateway {envoy.source.serial}" in plain  # the summary follows


async def test_no_spinner_with_json_even_on_a_terminal() -> None:
    async with replay_envoy(CAPTURE, faults=[SLOW]) as envoy:
        code, shown = await in_terminal("read", envoy.url, "--json", env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert code == 0, shown
    assert "probing" not in shown
    assert not any(frame in shown for frame in SPINNER_FRAMES)
    assert json.loads(shown.replace("\r\n", "\n"))["serial"] == envoy.source.serial


async def test_no_spinner_when_the_output_is_a_pipe() -> None:
    async with replay_envoy(CAPTURE, faults=[SLOW]) as envoy:
        run = await iqgateway("read", envoy.url, env={"IQGATEWAY_TOKEN": envoy.mint_token()})
    assert run.code == 0, run.text
    assert run.err == ""
    assert not any(frame in run.text for frame in SPINNER_FRAMES)
