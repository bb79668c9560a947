"""The MQTT side: one connection to the broker, kept up with back-off, fed by the fleet.

On every (re)connection: the process's availability `online` (its will says `offline`), every known
gateway's availability, the discovery configs and the latest states, all retained; the broker may have
restarted without them. Then each update of a gateway publishes its devices' states, a new entity's
discovery config, and the gateway's availability when it changes. `online` from Home Assistant on
`<discovery_prefix>/status` (it restarted) publishes the discovery configs again.

Publishing never blocks the polling: the fleet only marks a gateway as changed; this task publishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import ssl
from typing import TYPE_CHECKING

import aiomqtt

from .discovery import OFFLINE, ONLINE, Topics, discovery_messages, origin_block, state_messages

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .config import MqttConfig
    from .fleet import GatewayState

_LOGGER = logging.getLogger(__name__)

RECONNECT_FIRST_S = 1.0
RECONNECT_CAP_S = 60.0
KEEPALIVE_S = 30
IN_FLIGHT = 100  # QoS 1 messages awaiting their acknowledgement at once (pipelined, not one round trip each)


class MqttPublisher:
    """Publishes the fleet to one broker; a fleet Sink."""

    def __init__(self, config: MqttConfig, states: Sequence[GatewayState], *,
                 rng: random.Random | None = None) -> None:
        self.config = config
        self.topics = Topics(config.topic_prefix, config.discovery_prefix)
        self._states = states
        self._rng = rng or random.Random()
        self._origin = origin_block()
        self._client_id = config.client_id or f"iqgateway-export-{os.getpid()}-{secrets.token_hex(3)}"
        self._changed: set[int] = set()
        self._wake = asyncio.Event()
        self._rediscover = False
        # per gateway: the discovery payloads published on this connection (topic -> hash) and its availability
        self._discovered: dict[int, dict[str, int]] = {}
        self._announced: dict[int, str] = {}
        self.connected = False
        self.connections = 0

    # ------------------------------------------------------------------ fleet sink

    def updated(self, state: GatewayState) -> None:
        self._changed.add(state.index)
        self._wake.set()

    def failed(self, state: GatewayState) -> None:
        self._changed.add(state.index)
        self._wake.set()

    # ------------------------------------------------------------------ connection

    def _client(self) -> aiomqtt.Client:
        cfg = self.config
        context = None
        if cfg.tls:
            context = ssl.create_default_context(cafile=cfg.ca_file)
        client = aiomqtt.Client(
            cfg.host, cfg.port, username=cfg.username, password=cfg.password, identifier=self._client_id,
            will=aiomqtt.Will(self.topics.bridge_availability, OFFLINE, qos=1, retain=True),
            keepalive=KEEPALIVE_S, tls_context=context, timeout=10.0, max_inflight_messages=IN_FLIGHT,
            logger=logging.getLogger("iqgateway.export.paho"),
        )
        client.pending_calls_threshold = 2 * IN_FLIGHT  # pipelining is the intent, not a backlog
        return client

    async def run(self) -> None:
        """Stay connected until cancelled: reconnect with back-off (1 s doubling to 60 s, jittered)."""
        delay = RECONNECT_FIRST_S
        while True:
            try:
                async with self._client() as client:
                    delay = RECONNECT_FIRST_S
                    await self._session(client)
            except aiomqtt.MqttError as err:
                if self.connected or self.connections == 0:
                    _LOGGER.warning("MQTT broker %s:%d: %s; connecting again with back-off", self.config.host,
                                    self.config.port, err)
            finally:
                self.connected = False
            await asyncio.sleep(delay * self._rng.uniform(0.8, 1.2))
            delay = min(delay * 2, RECONNECT_CAP_S)

    async def close(self, client: aiomqtt.Client) -> None:
        """A clean stop: the process says offline itself (the will is only for a lost connection)."""
        await client.publish(self.topics.bridge_availability, OFFLINE, qos=1, retain=True)

    async def _session(self, client: aiomqtt.Client) -> None:
        self.connected = True
        self.connections += 1
        _LOGGER.info("MQTT broker %s:%d connected (as %s)", self.config.host, self.config.port, self._client_id)
        self._discovered.clear()
        self._announced.clear()
        await client.subscribe(self.topics.ha_status, qos=1)
        listener = asyncio.create_task(self._listen(client))
        try:
            await client.publish(self.topics.bridge_availability, ONLINE, qos=1, retain=True)
            self._changed.update(s.index for s in self._states)
            while True:
                await self._publish_changed(client)
                waiter = asyncio.create_task(self._wake.wait())
                try:
                    await asyncio.wait({waiter, listener}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                if listener.done():
                    listener.result()  # raises the connection's error
                    return
        except asyncio.CancelledError:
            if not listener.done():
                await self.close(client)
            raise
        finally:
            listener.cancel()

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if str(message.topic) == self.topics.ha_status and message.payload in (ONLINE.encode(), ONLINE):
                self._rediscover = True
                self._changed.update(s.index for s in self._states)
                self._wake.set()

    # ------------------------------------------------------------------ publishing

    async def _publish_changed(self, client: aiomqtt.Client) -> None:
        while self._changed:
            self._wake.clear()
            if self._rediscover:
                self._rediscover = False
                self._discovered.clear()
            batch, self._changed = sorted(self._changed), set()
            for index in batch:
                await self._publish_gateway(client, self._states[index])

    async def _publish_gateway(self, client: aiomqtt.Client, state: GatewayState) -> None:
        serial = state.serial
        if serial is None:
            return  # never reached: nothing to name it by yet
        pending: list[tuple[str, bytes | str, int]] = []  # topic, payload, QoS; all retained
        if state.online and state.readings:
            known = self._discovered.setdefault(state.index, {})
            for topic, payload in discovery_messages(serial, state.readings, self.topics, self._origin):
                digest = hash(payload)
                if known.get(topic) != digest:
                    known[topic] = digest
                    pending.append((topic, payload, 1))
        availability = ONLINE if state.online else OFFLINE
        if self._announced.get(state.index) != availability:
            self._announced[state.index] = availability
            pending.append((self.topics.availability(serial), availability, 1))
        if state.online:
            states = state_messages(serial, state.readings, self.topics)
            pending.extend((topic, payload, 0) for topic, payload in states)
        for start in range(0, len(pending), IN_FLIGHT):
            await asyncio.gather(*(client.publish(topic, payload, qos=qos, retain=True)
                                   for topic, payload, qos in pending[start:start + IN_FLIGHT]))
