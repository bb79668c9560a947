"""Run the commands through a typer app of their own, as the `iqgateway` command line does.

The command runs its own event loop (asyncio.run), so a test serving a simulator on its loop
invokes it in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

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
