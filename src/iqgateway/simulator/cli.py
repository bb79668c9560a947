"""`iqgateway simulate`: run the Envoy simulator from the command line.

    iqgateway simulate --replay CAPTURE_DIR [--host 127.0.0.1] [--port 0] [--fault KIND[xN][=VALUE][:PATH]] ...
    iqgateway simulate --profile NAME [--inverters N] [--batteries N] [--speed X] [--cloud] [--advertise]
    iqgateway simulate --profile NAME --count N --port P     (N devices, distinct serials, ports P..P+N-1)
    iqgateway simulate ... --stream hz=1 --stream stalls=on --stream role=installer --stream drop_s=3

Prints the device URL on one line (`Envoy simulator (serial X, firmware Y) serving https://127.0.0.1:PORT`),
then freshly minted owner and installer tokens for firmware >= 7, and the cloud URL and demo account when
`--cloud` is on.
Stops cleanly on Ctrl-C or SIGTERM. The admin API lives under `/__simulator__/` on the same port.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import errno
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..commands.arguments import check_port, check_speed
from ..commands.failures import EXIT_ERROR, EXIT_USAGE, line
from .faults import KINDS
from .meter_stream import StreamSettings, settings_from_specs
from .profiles import PROFILES

if TYPE_CHECKING:
    from .server import SimulatedEnvoy
    from .source import DeviceSource


class Scheme(enum.StrEnum):
    AUTO = "auto"
    HTTP = "http"
    HTTPS = "https"


class Auth(enum.StrEnum):
    AUTO = "auto"
    NONE = "none"


_FAULT_KINDS = ", ".join(sorted(KINDS - {"status"}))


def _check_profile(value: str | None) -> str | None:
    if value is not None and value not in PROFILES:
        raise typer.BadParameter(f"no profile {value[:40]!r}; one of {', '.join(PROFILES)}")
    return value


def register(app: typer.Typer) -> None:
    """Add the `simulate` command to the `iqgateway` command line."""
    app.command("simulate", help="Serve a simulated Envoy (a replayed capture or a synthetic profile).")(simulate)


def simulate(  # noqa: PLR0917 - one parameter per command-line option
    replay: Annotated[
        Path | None, typer.Option("--replay", metavar="DIR", help="Capture folder to serve byte for byte.",
                                  show_default=False)
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", metavar="NAME", callback=_check_profile, show_default=False,
                                 help=f"Synthetic installation: {', '.join(PROFILES)}.")
    ] = None,
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", callback=check_port,
                                      help="Port to listen on (0 = a free port).")] = 0,
    scheme: Annotated[Scheme, typer.Option("--scheme", help="auto: https for firmware >= 7, else http.")] = Scheme.AUTO,
    auth: Annotated[Auth, typer.Option("--auth", help="auto: as the firmware wants; none: no login.")] = Auth.AUTO,
    latency: Annotated[bool, typer.Option("--latency", help="Answer as slowly as the real device did.")] = False,
    speed: Annotated[float, typer.Option("--speed", metavar="FACTOR", callback=check_speed,
                                         help="Simulated seconds per real second (profiles).")] = 1.0,
    inverters: Annotated[
        int | None, typer.Option("--inverters", min=0, metavar="N", help="Number of microinverters (profiles).",
                                 show_default=False)
    ] = None,
    batteries: Annotated[
        int | None, typer.Option("--batteries", min=0, metavar="N", help="Number of batteries (profiles).",
                                 show_default=False)
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault", metavar="FAULT", show_default=False,
            help="Fault to show, repeatable: KIND, KINDxN, KIND=VALUE, KIND:PATH or combined"
            f" (hang=30:/ivp/meters, 503x3, boot=20). KIND is an HTTP status (500, 503...) or one of {_FAULT_KINDS}.",
        ),
    ] = None,
    cloud: Annotated[bool, typer.Option("--cloud/--no-cloud", help="Also serve a simulated Enphase cloud.")] = False,
    cloud_port: Annotated[int, typer.Option("--cloud-port", metavar="PORT", callback=check_port,
                                            help="Port of the simulated cloud (0 = free).")] = 0,
    advertise: Annotated[bool, typer.Option("--advertise", help="Announce the device by zeroconf.")] = False,
    count: Annotated[
        int, typer.Option("--count", min=1, metavar="N",
                          help="Devices to serve (profiles): distinct serials, ports P..P+N-1.")
    ] = 1,
    stream: Annotated[
        list[str] | None,
        typer.Option("--stream", metavar="KEY=VALUE", show_default=False,
                     help="Meter stream setting (repeatable): hz, stalls, stall_hold_s, role (auto/any/installer), "
                          "drop_s, reset_after, mark."),
    ] = None,
) -> None:
    if (replay is None) == (profile is None):
        raise typer.BadParameter("give exactly one of --replay DIR or --profile NAME", param_hint="--replay")
    if count > 1 and (replay is not None or cloud or advertise or (port and port + count - 1 > 65535)):
        raise typer.BadParameter("--count serves several --profile devices (without --cloud or --advertise) on "
                                 "ports P..P+N-1 (P + N - 1 at most 65535; --port 0 gives free ports)",
                                 param_hint="--count")
    if replay is not None:
        from .capture_check import capture_problems

        problems = capture_problems(replay)
        for problem in problems[:5]:
            line(f"simulate --replay: {problem}")
        if problems:
            raise typer.Exit(EXIT_USAGE)
    try:
        stream_settings = settings_from_specs(stream or [])
        sources = _make_sources(replay, profile, count, speed=speed, inverters=inverters, batteries=batteries)
    except (OSError, ValueError, KeyError) as err:
        line(f"simulate: cannot start the simulator: {err}")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        asyncio.run(
            _serve(
                sources,
                host=host,
                port=port,
                scheme=scheme.value,
                auth=auth.value,
                latency=latency,
                faults=fault or [],
                cloud=cloud,
                cloud_port=cloud_port,
                advertise=advertise,
                stream=stream_settings,
            )
        )
    except ValueError as err:
        line(f"simulate: cannot start the simulator: {err}")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as err:
        line(f"simulate: cannot listen on {host}:{port} ({(err.strerror or 'operating system error').lower()})")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        pass


def _make_sources(
    replay: Path | None, profile: str | None, count: int, *, speed: float, inverters: int | None,
    batteries: int | None,
) -> list[DeviceSource]:
    if replay is not None:
        from .replay import ReplaySource

        return [ReplaySource(replay)]
    assert profile is not None
    from .clock import SimClock
    from .profiles import make_profile, profile_timezone

    clock = SimClock(speed=speed, tz=profile_timezone(profile))
    if count > 1:
        from .fleet import make_fleet

        return list(make_fleet(profile, count, clock=clock, inverters=inverters, batteries=batteries))
    return [make_profile(profile, inverters=inverters, batteries=batteries, clock=clock)]


# A port of a fleet's range may be the local end of someone's outgoing connection for a moment.
BIND_PATIENCE_S = 20.0


async def _start(envoy: SimulatedEnvoy, *, patient: bool) -> None:
    """Start listening; a fleet waits a little for a port of its range that is in use."""
    deadline = asyncio.get_running_loop().time() + BIND_PATIENCE_S
    while True:
        try:
            await envoy.start()
            return
        except OSError as err:
            if not patient or err.errno != errno.EADDRINUSE or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.25)


async def _serve(
    sources: list[DeviceSource],
    *,
    host: str,
    port: int,
    scheme: str,
    auth: str,
    latency: bool,
    faults: list[str],
    cloud: bool,
    cloud_port: int,
    advertise: bool,
    stream: StreamSettings,
) -> None:
    from .enlighten import DEMO_EMAIL, DEMO_PASSWORD, SimulatedCloud
    from .server import SimulatedEnvoy

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    simulated_cloud = SimulatedCloud(host=host, port=cloud_port) if cloud else None
    envoys = [
        SimulatedEnvoy(
            source,
            host=host,
            port=port + i if port else 0,
            scheme=scheme,
            auth=auth,
            latency=latency,
            cloud=simulated_cloud,
            faults=faults,
            advertise=advertise,
            stream=dataclasses.replace(stream),
        )
        for i, source in enumerate(sources)
    ]
    try:
        if simulated_cloud is not None:
            await simulated_cloud.start()
        for envoy in envoys:
            await _start(envoy, patient=len(envoys) > 1 and port != 0)
            source = envoy.source
            typer.echo(f"Envoy simulator (serial {source.serial}, firmware {source.firmware}) serving {envoy.url}")
            if envoy.token_auth:
                typer.echo(f"Token (owner, 365 days): {envoy.mint_token()}")
                typer.echo(f"Token (installer, 12 hours): {envoy.mint_token(days=0.5, user='installer')}")
        if simulated_cloud is not None:
            typer.echo(
                f"Simulated Enphase cloud at {simulated_cloud.url} (account {DEMO_EMAIL}, password {DEMO_PASSWORD})"
            )
        where = envoys[0].url if len(envoys) == 1 else "each device's URL"
        typer.echo(f"Admin API: {where}/__simulator__/stats; stop with Ctrl-C")
        await stop.wait()
    finally:
        for envoy in envoys:
            await envoy.stop()
        if simulated_cloud is not None:
            await simulated_cloud.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
