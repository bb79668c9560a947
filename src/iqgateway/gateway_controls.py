"""The Gateway's controls: read-modify-write of the device state, sent as JSON, verified by reading back.

Each control raises FeatureNotAvailable when the hardware is absent and ControlRejected when the device
refuses the change or the read-back does not show it; it returns the new GatewayData. The request bodies
and read-back checks are pure functions in controls.py; `Gateway` supplies the requests.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from . import controls
from .endpoints.home import HomeInfo, parse_home
from .errors import (
    AuthenticationRequired,
    CommunicationError,
    ControlRejected,
    FeatureNotAvailable,
    HttpStatusError,
    InvalidResponse,
)
from .gateway_requests import GatewayRequests
from .models import DeviceInfo, Feature, Features, GatewayData, StorageMode

HOME_PATH = "/home"

# From this firmware on, the Enphase cloud may overwrite settings changed locally.
CLOUD_OVERWRITES_FIRMWARE: tuple[int, ...] = (8, 3, 5289)


class GatewayControls(GatewayRequests):
    """The control methods of `Gateway`, written against the few requests it provides."""

    _lock: asyncio.Lock  # serialises updates and controls

    @property
    @abc.abstractmethod
    def info(self) -> DeviceInfo | None: ...

    @property
    @abc.abstractmethod
    def features(self) -> Features | None: ...

    @abc.abstractmethod
    async def _ready(self) -> None:
        """Identity read and authenticated."""

    # ------------------------------------------------------------------ on demand

    async def network(self) -> HomeInfo:
        """The gateway's network interfaces (MAC, IP, DHCP) and cloud link from `/home`, read now.

        Updates never read `/home` (it is slow on the device); call this when the figures are wanted.
        """
        async with self._lock:
            await self._ready()
            answer = await self._get(HOME_PATH)
        if answer.error is not None:
            raise answer.error
        if not 200 <= answer.status < 300:
            raise HttpStatusError(f"answered HTTP {answer.status}", status=answer.status, host=self.host,
                                  endpoint=HOME_PATH)
        home = parse_home(controls.decode_document(answer.body, path=HOME_PATH, host=self.host))
        if home is None:
            raise InvalidResponse("no network, timezone or software build in the answer", host=self.host,
                                  endpoint=HOME_PATH)
        return home

    # ------------------------------------------------------------------ the write cycle

    async def _require(self, feature: Feature, what: str) -> Features:
        """The features, after a first update if there was none yet; FeatureNotAvailable if `feature` is absent."""
        if self.data is None or self.features is None:
            await self._update()
        features = self.features
        assert features is not None
        if feature not in features:
            raise FeatureNotAvailable(f"{what}: this gateway has no {feature.value}", host=self.host)
        return features

    async def _document(self, path: str) -> dict[str, Any]:
        """The current JSON document of a write endpoint, read before changing it."""
        answer = await self._get(path, required=True)
        if answer.error is not None:
            raise answer.error
        if not 200 <= answer.status < 300:
            raise HttpStatusError(f"answered HTTP {answer.status} when read before a change", status=answer.status,
                                  host=self.host, endpoint=path)
        return controls.decode_document(answer.body, path=path, host=self.host)

    async def _write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        *,
        touched: tuple[str, ...],
        check: Callable[[GatewayData], str | None],
    ) -> GatewayData:
        """Send a write, read back the touched endpoints, verify the change is visible."""
        try:
            reply = await self._send(method, path, required=True, body=controls.encode(body))
        except AuthenticationRequired:
            raise
        except CommunicationError as err:
            raise ControlRejected(f"the change was not confirmed: {err.message}", host=self.host,
                                  endpoint=path) from None
        if not 200 <= reply.status < 300:
            raise ControlRejected(f"the gateway refused the change (HTTP {reply.status})", host=self.host,
                                  endpoint=path)
        data = await self._read_back(touched)
        problem = check(data)
        if problem is not None:
            overwrites = data.info.firmware_version >= CLOUD_OVERWRITES_FIRMWARE
            note = " (on this firmware the Enphase cloud may overwrite local changes)" if overwrites else ""
            raise ControlRejected(f"the gateway accepted the change but {problem}{note}", host=self.host,
                                  endpoint=path)
        return data

    def _read_path(self, bare: str, fallback: str) -> str:
        """The path (with query) the update uses for `bare`, or `fallback`."""
        if self.features is not None:
            for path in self.features.endpoints:
                if path.split("?", 1)[0] == bare:
                    return path
        return fallback

    def _known_relay(self, relay_id: str) -> None:
        relays = self.data.dry_contacts if self.data is not None else None
        if relays is not None and relay_id not in relays:
            raise FeatureNotAvailable(f"no relay {relay_id!r} on this gateway (has {', '.join(sorted(relays))})",
                                      host=self.host, endpoint=controls.DRY_CONTACTS_PATH)

    # ------------------------------------------------------------------ controls

    async def set_grid_enabled(self, enabled: bool) -> GatewayData:
        """Close (grid on) or open (off grid) the Enpower/IQ System Controller main relay."""
        async with self._lock:
            await self._require(Feature.ENPOWER, "grid switching")
            return await self._write("POST", controls.RELAY_PATH, controls.relay_body(enabled),
                                     touched=(controls.INVENTORY_PATH,),
                                     check=lambda data: controls.grid_applied(data, enabled))

    async def set_relay(self, relay_id: str, closed: bool) -> GatewayData:
        """Close or open one dry-contact relay (NC1, NO1, ...)."""
        async with self._lock:
            await self._require(Feature.DRY_CONTACTS, "relay switching")
            self._known_relay(relay_id)
            return await self._write("POST", controls.DRY_CONTACTS_PATH,
                                     controls.dry_contact_body(relay_id, closed),
                                     touched=(controls.DRY_CONTACTS_PATH,),
                                     check=lambda data: controls.relay_applied(data, relay_id, closed))

    async def update_relay_settings(self, relay_id: str, **changes: Any) -> GatewayData:
        """Change a relay's settings: mode, grid_action, micro_grid_action, generator_action, soc_low, soc_high,
        load_name."""
        async with self._lock:
            await self._require(Feature.DRY_CONTACTS, "relay settings")
            self._known_relay(relay_id)
            current = await self._document(controls.DRY_CONTACT_SETTINGS_PATH)
            body = controls.relay_settings_body(current, relay_id, changes, host=self.host)
            return await self._write(
                "POST", controls.DRY_CONTACT_SETTINGS_PATH, body, touched=(controls.DRY_CONTACT_SETTINGS_PATH,),
                check=lambda data: controls.relay_settings_applied(data, relay_id, body["dry_contacts"], changes),
            )

    async def set_storage_mode(self, mode: StorageMode) -> GatewayData:
        """Battery mode: backup, self-consumption or economy."""
        return await self._set_storage(mode=StorageMode(mode))

    async def set_reserve_soc(self, percent: float) -> GatewayData:
        """Battery reserve kept for outages, percent."""
        return await self._set_storage(reserve_soc=percent)

    async def set_charge_from_grid(self, enabled: bool) -> GatewayData:
        """Let the batteries charge from the grid, or not."""
        return await self._set_storage(charge_from_grid=enabled)

    async def _set_storage(
        self, *, mode: StorageMode | None = None, reserve_soc: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> GatewayData:
        async with self._lock:
            features = await self._require(Feature.TARIFF, "storage settings")
            info = self.info
            assert info is not None
            current = await self._document(controls.TARIFF_PATH)
            body = controls.tariff_body(current, firmware=info.firmware_version, host=self.host, mode=mode,
                                        reserve_soc=reserve_soc, charge_from_grid=charge_from_grid)

            def check(data: GatewayData) -> str | None:
                return controls.storage_applied(data, mode=mode, reserve_soc=reserve_soc,
                                                charge_from_grid=charge_from_grid)

            touched = [self._read_path(controls.TARIFF_PATH, controls.TARIFF_PATH)]
            if reserve_soc is not None and Feature.ENCHARGE in features:
                touched.append(self._read_path(controls.SECCTRL_PATH, controls.SECCTRL_PATH))
            return await self._write("PUT", controls.TARIFF_PATH, body, touched=tuple(touched), check=check)

    async def acb_sleep(self, serial: str, min_soc: int, max_soc: int) -> GatewayData:
        """Put an AC battery to sleep between the given state-of-charge bounds."""
        return await self._acb(serial, controls.acb_sleep_body(serial, min_soc, max_soc, host=self.host), "PUT",
                               sleeping=True)

    async def acb_wake(self, serial: str) -> GatewayData:
        """Wake a sleeping AC battery."""
        return await self._acb(serial, controls.acb_wake_body(serial), "DELETE", sleeping=False)

    async def _acb(self, serial: str, body: Mapping[str, Any], method: str, *, sleeping: bool) -> GatewayData:
        async with self._lock:
            await self._require(Feature.ACB, "AC battery sleep")
            acb = self.data.acb if self.data is not None else None
            if acb is not None and acb.units and serial not in acb.units:
                raise FeatureNotAvailable(f"no AC battery {serial}", host=self.host,
                                          endpoint=controls.ACB_CONFIG_PATH)
            touched = (self._read_path("/inventory.json", controls.ACB_INVENTORY_PATH),)
            return await self._write(method, controls.ACB_CONFIG_PATH, body, touched=touched,
                                     check=lambda data: controls.acb_applied(data, serial, sleeping))

    async def set_generator_mode(self, mode: str) -> GatewayData:
        """Generator command: on, off or auto."""
        async with self._lock:
            await self._require(Feature.GENERATOR, "generator mode")
            body = controls.gen_mode_body(mode, host=self.host)
            touched = [controls.GEN_MODE_PATH]
            generator_state = self._read_path(controls.GENERATOR_PATH, "")
            if generator_state:
                touched.append(generator_state)
            return await self._write("POST", controls.GEN_MODE_PATH, body, touched=tuple(touched),
                                     check=lambda data: controls.generator_applied(data, mode))
