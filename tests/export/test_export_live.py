"""`run_export` end to end: replays of real captures -> a real mosquitto and /metrics checked by promtool.

The values asserted are read straight from the captures' files: the production power and lifetime energy
the device reported (one of the documents it serves), on the broker and in the Prometheus samples.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import subprocess
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from iqgateway.export import ExportConfig, parse_config
from iqgateway.export.service import run_export
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.simulator.testing import replay_envoy
from tests.export.conftest import Broker, Seen, listening, wait_for
from tests.lib.conftest import capture_json, credentials
from tests.shared import capture_serial, free_port

CAPTURES = ("5.0.62", "7.6.175_with_cts", "8.1.41")


def capture_production(name: str) -> set[tuple[float, float]]:
    """(W now, lifetime Wh) pairs the capture's production documents report."""
    pairs: set[tuple[float, float]] = set()
    v1 = capture_json(name, "api_v1_production")
    if v1:
        pairs.add((float(v1["wattsNow"]), float(v1["wattHoursLifetime"])))
    for file in ("production.json_details_1", "production.json"):
        doc = capture_json(name, file) or {}
        for entry in doc.get("production", []):
            if isinstance(entry, dict) and "wNow" in entry and "whLifetime" in entry:
                pairs.add((float(entry["wNow"]), float(entry["whLifetime"])))
    assert pairs, f"{name}: no production in the capture"
    return pairs


def matches(pairs: set[tuple[float, float]], watts: float | None, wh: float | None) -> bool:
    return watts is not None and wh is not None and any(
        math.isclose(watts, w, rel_tol=1e-9, abs_tol=1e-6) and math.isclose(wh, e, rel_tol=1e-9, abs_tol=1e-6)
        for w, e in pairs
    )


def export_config(broker: Broker, prom_port: int, envoys: list[SimulatedEnvoy], interval: float = 1) -> ExportConfig:
    return parse_config({
        "interval_s": interval,
        "mqtt": {"url": broker.url, "username": broker.user, "password": broker.password,
                 "discovery_prefix": "homeassistant"},
        "prometheus": {"listen": f"127.0.0.1:{prom_port}"},
        "gateway": [{"host": envoy.url, **credentials(envoy)} for envoy in envoys],
    })


@contextlib.asynccontextmanager
async def exporting(config: ExportConfig, *, update_deadline: float | None = None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_export(config, stop=stop, update_deadline=update_deadline))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def replays(names: tuple[str, ...]) -> AsyncIterator[list[SimulatedEnvoy]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(replay_envoy(name)) for name in names]


def state_doc(seen: Seen, serial: str) -> dict[str, Any] | None:
    payload = seen.last(f"iqgateway/{serial}/state")
    return json.loads(payload) if payload else None


def discovery_configs(seen: Seen, serial: str) -> list[dict[str, Any]]:
    configs = {}
    for _, topic, payload in seen.messages:
        if topic.startswith("homeassistant/") and topic.endswith("/config") and payload:
            doc = json.loads(payload)
            if any(serial in ident for ident in doc["device"]["identifiers"]):
                configs[topic] = doc
    return list(configs.values())


def samples(text: str, name: str) -> dict[str, float]:
    """serial -> value of a metric without labels beyond `serial`."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, value = line[len(name) + 1:].rsplit("} ", 1)
            found[labels.split('serial="', 1)[1].split('"', 1)[0]] = float(value)
    return found


async def test_captures_reach_broker_and_metrics(broker: Broker, promtool: str) -> None:
    prom_port = free_port()
    async with replays(CAPTURES) as envoys, listening(broker) as seen:
        async with exporting(export_config(broker, prom_port, envoys)):
            serials = {name: capture_serial(name) for name in CAPTURES}

            def all_published() -> bool:
                return all(
                    (doc := state_doc(seen, s)) is not None and "lifetime_production" in doc
                    and all(seen.last(c["state_topic"]) for c in discovery_configs(seen, s))
                    for s in serials.values()
                )

            await wait_for(all_published, 20, "the state documents of every gateway's devices")
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{prom_port}/metrics") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                metrics = await resp.text()
        lint = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True,
                              check=False)
        assert lint.returncode == 0, lint.stdout + lint.stderr
        watts = samples(metrics, "iqgateway_production_power_watts")
        joules = samples(metrics, "iqgateway_production_energy_joules_total")
        up = {line.split('serial="')[1].split('"')[0]: line.endswith(" 1.0")
              for line in metrics.splitlines() if line.startswith("iqgateway_up{")}
        for name, serial in serials.items():
            pairs = capture_production(name)
            doc = state_doc(seen, serial)
            assert doc is not None
            assert matches(pairs, doc["production"], doc["lifetime_production"]), (name, doc, pairs)
            assert matches(pairs, watts[serial], joules[serial] / 3600), (name, watts[serial], joules[serial], pairs)
            assert up[serial] is True
            configs = discovery_configs(seen, serial)
            production = next(c for c in configs if c["unique_id"] == f"iqgateway_{serial}_production")
            assert production["state_topic"] == f"iqgateway/{serial}/state"
            assert production["unit_of_measurement"] == "W"
            assert production["device_class"] == "power"
            assert production["device"]["identifiers"] == [f"iqgateway_{serial}"]
            assert [a["topic"] for a in production["availability"]] == ["iqgateway/availability",
                                                                        f"iqgateway/{serial}/availability"]
            lifetime = next(c for c in configs if c["unique_id"] == f"iqgateway_{serial}_lifetime_production")
            assert (lifetime["unit_of_measurement"], lifetime["state_class"]) == ("Wh", "total_increasing")
            # every entity's config is retained and points at a state document that holds its key
            for config in configs:
                key = json.loads(config["value_template"].removeprefix("{{ value_json[").removesuffix("] }}"))
                assert key in json.loads(seen.last(config["state_topic"]) or b"{}"), config["unique_id"]
            assert seen.last(f"iqgateway/{serial}/availability") == b"online"
        await wait_for(lambda: seen.last("iqgateway/availability") == b"offline", 10,
                       "offline said on the clean stop")


async def test_stopped_gateway_goes_offline_while_others_publish(broker: Broker) -> None:
    async with replays(CAPTURES) as envoys, listening(broker) as seen, exporting(export_config(broker, free_port(),
                                                                                               envoys)):
        # the victim's live power comes from its CT readings, asked every update: a static replay of an
        # unmetered one (5.0.62) is asked nothing between its inverter list reads once two power reads were alike
        # (cadence_rules.py), so whether it was noticed within the minute would depend on when it stopped
        index = CAPTURES.index("7.6.175_with_cts")
        victim = capture_serial(CAPTURES[index])
        others = [capture_serial(n) for n in CAPTURES if n != CAPTURES[index]]
        await wait_for(lambda: all(state_doc(seen, s) for s in (victim, *others)), 20, "every gateway publishing")
        await envoys[index].stop()
        stopped = time.monotonic()
        await wait_for(lambda: any(t == f"iqgateway/{victim}/availability" and p == b"offline"
                                   for _, t, p in seen.since(stopped)), 60, "the stopped gateway offline")
        offline_after = time.monotonic() - stopped
        marked = time.monotonic()
        await wait_for(lambda: all(any(t == f"iqgateway/{s}/state" for _, t, _p in seen.since(marked))
                                   for s in others), 10, "the other gateways still publishing")
        assert not any(t == f"iqgateway/{victim}/state" for _, t, _p in seen.since(marked + 0.5))
        assert offline_after < 60
        await envoys[index].start()
        back = time.monotonic()
        await wait_for(lambda: any(t == f"iqgateway/{victim}/availability" and p == b"online"
                                   for _, t, p in seen.since(back)), 60, "the gateway online again")


async def test_broker_restart_is_survived(broker: Broker) -> None:
    async with replays(CAPTURES[1:]) as envoys, listening(broker) as seen, exporting(export_config(broker, free_port(),
                                                                                                   envoys)):
        serial = capture_serial(CAPTURES[1])
        await wait_for(lambda: state_doc(seen, serial) is not None, 20, "a first state document")
        broker.stop()
        await asyncio.sleep(1.5)
        broker.start()  # persistence is off: every retained message is gone
        restarted = time.monotonic()

        def republished() -> bool:
            topics = {t for _, t, _p in seen.since(restarted)}
            return {"iqgateway/availability", f"iqgateway/{serial}/availability", f"iqgateway/{serial}/state",
                    f"homeassistant/sensor/iqgateway_{serial}/{serial}_production/config"} <= topics

        await wait_for(republished, 30, "availability, discovery and state published again")
        assert seen.last("iqgateway/availability") == b"online"


@pytest.mark.parametrize("interval", [1])
async def test_hanging_gateway_never_delays_the_others(broker: Broker, interval: int) -> None:
    """A gateway that never answers (its production endpoint hangs) holds no slot the healthy ones need."""
    async with contextlib.AsyncExitStack() as stack:
        healthy = [await stack.enter_async_context(replay_envoy(name)) for name in CAPTURES[1:]]
        hanging = await stack.enter_async_context(replay_envoy(CAPTURES[0], faults=["hang=30"]))
        config = export_config(broker, free_port(), [hanging, *healthy], interval)
        config = ExportConfig(config.interval_s, 1, config.mqtt, None, config.gateways)  # one update in flight
        seen = await stack.enter_async_context(listening(broker))
        await stack.enter_async_context(exporting(config, update_deadline=3))
        serials = [capture_serial(name) for name in CAPTURES[1:]]
        await wait_for(lambda: all(state_doc(seen, s) for s in serials), 20, "the healthy gateways publishing")
        t0 = time.monotonic()
        await asyncio.sleep(6.5)  # the hanging gateway is retried (and hangs 3 s) twice meanwhile
        for serial in serials:
            times = [t for t, topic, _p in seen.since(t0) if topic == f"iqgateway/{serial}/state"]
            gaps = [b - a for a, b in zip([t0, *times], times, strict=False)]
            assert len(times) >= 4, (serial, len(times))
            assert max(gaps) < 2.5 * interval, (serial, gaps)  # never held up by the 3 s hangs
