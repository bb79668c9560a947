"""`iqgateway stream HOST`: every meter-stream frame, per channel and phase, as a live table or JSON lines.

`--json` prints one JSON object a line per frame: the frame as the device sent it (channels, phases, the
numbers unchanged) with `seq`, `received_at` and `source` beside it. `--count N` exits 0 after N frames.
A device that refuses the stream to the credentials' role gives one line naming the installer role.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from .connect import Credentials, DebugOption, PasswordOption, TokenOption, UsernameOption, connected, run_async

if TYPE_CHECKING:
    from ..frames import StreamFrame

# Without any frame for this long (across reconnects), the command gives up with the last error.
GIVE_UP_S = 60.0


def register(app: typer.Typer) -> None:
    app.command("stream", help="Follow the meter stream: every frame, per channel and phase (p, q, s, v, i, pf, f).")(
        stream
    )


def stream(
    host: Annotated[str, typer.Argument(help="Envoy address: IP, host:port or https://host:port.")],
    *,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line per frame, as the device sent it.")]
    = False,
    count: Annotated[
        int | None, typer.Option("--count", "-n", min=1, help="Exit after this many frames.", show_default=False)
    ] = None,
    username: UsernameOption = None,
    password: PasswordOption = None,
    token: TokenOption = None,
    debug: DebugOption = False,
) -> None:
    credentials = Credentials(username, password, token)
    run_async(_stream(host, credentials, as_json=as_json, count=count, console=Console()), debug=debug)


async def _stream(host: str, credentials: Credentials, *, as_json: bool, count: int | None, console: Console) -> None:
    async with connected(host, credentials) as gateway, gateway.stream(give_up_s=GIVE_UP_S) as frames:
        shown = 0
        live: Live | None = None
        said_fallback = False
        try:
            async for frame in frames:
                if frames.stats.fallback_reason is not None and not said_fallback:
                    said_fallback = True
                    print(f"no meter stream ({frames.stats.fallback_reason})", file=sys.stderr, flush=True)
                if as_json:
                    sys.stdout.write(orjson.dumps(frame.as_sent()).decode() + "\n")
                    sys.stdout.flush()
                elif count is not None or not console.is_terminal:
                    console.print(frame_table(host, frame))
                elif live is None:
                    live = Live(frame_table(host, frame), console=console, auto_refresh=False)
                    live.start()
                else:
                    live.update(frame_table(host, frame), refresh=True)
                shown += 1
                if count is not None and shown >= count:
                    return
        finally:
            if live is not None:
                live.stop()


_COLUMNS = (("P (W)", "p_w"), ("Q (var)", "q_var"), ("S (VA)", "s_va"), ("V", "v_v"), ("I (A)", "i_a"),
            ("PF", "pf"), ("f (Hz)", "f_hz"))


def frame_table(host: str, frame: StreamFrame) -> Table:
    """One row per channel and phase, a column per value."""
    stamp = time.strftime("%H:%M:%S", time.localtime(frame.received_at))
    via = "" if frame.source == "stream" else " (live data, the stream is not available)"
    table = Table(title=f"{host} meter stream - frame {frame.seq} at {stamp}{via}")
    table.add_column("Channel")
    table.add_column("Phase")
    for title, _ in _COLUMNS:
        table.add_column(title, justify="right")
    for name, channel in frame.channels():
        for phase_name, phase in channel.phases():
            cells = [_cell(getattr(phase, attr)) for _, attr in _COLUMNS]
            table.add_row(name.replace("_", " "), phase_name.upper(), *cells)
    return table


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
