"""Run the commands through a typer app of their own, as the `iqgateway` command line does.

The command runs its own event loop (asyncio.run), so a test serving a simulator on its loop
invokes it in a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import typer
from typer.testing import CliRunner, Result

from iqgateway.commands import register_all

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def build_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register_all(app)
    return app


def invoke(args: list[str], env: Mapping[str, str] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(build_app(), args, env={**WIDE, **(env or {})}, catch_exceptions=False)


async def invoke_async(args: list[str], env: Mapping[str, str] | None = None) -> Result:
    return await asyncio.to_thread(invoke, args, env)


@dataclass
class Run:
    """What a real `iqgateway` process printed and its exit code."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.text.splitlines() if ln.strip()]


async def iqgateway(*args: str, env: Mapping[str, str] | None = None, timeout_s: float = 90) -> Run:
    """Run the `iqgateway` entry point in a process of its own (pipes: no terminal)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "iqgateway.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        env={**os.environ, **WIDE, **(env or {})},
    )
    async with asyncio.timeout(timeout_s):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())
