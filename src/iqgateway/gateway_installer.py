"""The Gateway's installer-level side: the capability report, the installer endpoints and their controls.

Installer endpoints are asked at probe only when the role allows them, so an owner token never walks into
a 401 every cycle; those that answered are read at the slow cadence of settings (schedule.py). Each control
reads before it writes, changes only what was asked, reads back and returns what the device now says.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from . import controls
from .answer import Answer
from .answer_cache import AnswerCache
from .auth.session import AuthSession
from .capabilities import INSTALLER_PATHS, CapabilityName, CapabilityReport, build_report, is_installer
from .endpoints import acb, dpel, grid_profile, inverters, plc, power_mode, q_relays
from .endpoints.values import answer_json
from .errors import (
    CapabilityUnavailable,
    CommunicationError,
    ControlRejected,
    HttpStatusError,
    InstallerRoleRequired,
    InvalidResponse,
)
from .gateway_requests import GatewayRequests
from .models import DeviceInfo, Features
from .models_installer import DpelSettings, GridProfile
from .transport import HttpReply

T = TypeVar("T")

# Read at probe (installer role only); the PLC check only when opted in (it loads the device).
PROBED_PATHS = (power_mode.PATH, dpel.PATH, grid_profile.PATH)


def _parsed(answers: Mapping[str, Answer], path: str, parser: Callable[[object], T]) -> T:
    """`parser` of the answer's JSON, once per answer body (`Answer.part`); `parser(None)` without JSON."""
    answer = answers.get(path)
    if answer is not None and answer.json() is not None:
        return cast("T", answer.part(parser))
    return parser(None)


def installer_fields(answers: Mapping[str, Answer]) -> dict[str, Any]:
    """The snapshot's installer fields from the installer endpoints' last good answers."""
    return {
        "q_relays": _parsed(answers, acb.INVENTORY_JSON, q_relays.parse_q_relays),
        "power_forced_off": _parsed(answers, power_mode.PATH, power_mode.parse_power_forced_off),
        "dpel": _parsed(answers, dpel.PATH, dpel.parse_dpel),
        "grid_profile": _parsed(answers, grid_profile.PATH, grid_profile.parse_grid_profile),
        "plc_levels": _parsed(answers, plc.PATH, plc.parse_plc_levels),
    }


class GatewayInstaller(GatewayRequests):
    """Capability report and installer controls of `Gateway`, written against the requests it provides."""

    _lock: asyncio.Lock
    _auth: AuthSession
    _cache: AnswerCache
    _capabilities: CapabilityReport | None
    _plc_check: bool
    _clock: Callable[[], float]

    @property
    def capabilities(self) -> CapabilityReport | None:
        """What this token, firmware and hardware allow; None before the first probe."""
        return self._capabilities

    @property
    def plc_check_enabled(self) -> bool:
        """The PLC signal check is read (at most hourly) by updates."""
        return self._plc_check

    @property
    def role(self) -> str | None:
        """The token's `enphaseUser` (owner / installer), or the Digest user below firmware 7."""
        return self._auth.token_user or self._auth.digest_user

    async def _probe_installer(self, info: DeviceInfo, features: Features, answers: dict[str, Answer]) -> Features:
        """Ask the installer endpoints the role allows, decide the report, add what answered to the updates."""
        role = self.role
        statuses: dict[str, int] = {}
        if is_installer(role):
            for path in PROBED_PATHS + ((plc.PATH,) if self._plc_check else ()):
                answers[path] = answer = await self._get(path)
                statuses[path] = answer.status if answer.error is None else 0
        self._capabilities = build_report(info, features, role, statuses)
        found = [path for path, status in statuses.items() if status == 200]
        inventory = answer_json(answers.get(acb.INVENTORY_JSON))
        if inverters.inventory_flags(inventory) or inverters.inventory_flags(inventory, q_relays.NSRB_TYPE):
            found.append(acb.INVENTORY_JSON)  # the health flags of inverters and Q-Relays
        added = tuple(path for path in found if path not in features.endpoints)
        return dataclasses.replace(features, endpoints=features.endpoints + added)

    # ------------------------------------------------------------------ controls

    async def _need(self, name: CapabilityName) -> None:
        """CapabilityUnavailable unless the report (after a first update) has `name` available."""
        if self._capabilities is None:
            await self._update()
        report = self._capabilities
        assert report is not None
        capability = report.get(name)
        if not report.available(name):
            raise CapabilityUnavailable(f"{name.value} is {capability.state.value}: {capability.reason}",
                                        host=self.host, endpoint=INSTALLER_PATHS[name][0])

    def _refused(self, status: int, path: str) -> InstallerRoleRequired:
        return InstallerRoleRequired(f"refused (HTTP {status}): this endpoint needs an installer token "
                                     f"(JWT enphaseUser: installer); the credentials' role is {self.role or 'unknown'}",
                                     host=self.host, endpoint=path)

    async def _installer_read(self, path: str) -> Answer:
        answer = await self._get(path)
        if answer.error is not None:
            raise answer.error
        if answer.status in (401, 403):
            raise self._refused(answer.status, path)
        if answer.status != 200:
            raise HttpStatusError(f"answered HTTP {answer.status}", status=answer.status, host=self.host,
                                  endpoint=path)
        return answer

    async def _installer_doc(self, path: str) -> dict[str, Any]:
        """The current document of an installer endpoint, read before changing it."""
        answer = await self._installer_read(path)
        return controls.decode_document(answer.body, path=path, host=self.host)

    async def _installer_write(self, method: str, path: str, body: Mapping[str, Any]) -> HttpReply:
        try:
            reply = await self._send(method, path, required=False, body=controls.encode(body))
        except CommunicationError as err:
            raise ControlRejected(f"the change was not confirmed: {err.message}", host=self.host,
                                  endpoint=path) from None
        if reply.status in (401, 403):
            raise self._refused(reply.status, path)
        if not 200 <= reply.status < 300:
            raise ControlRejected(f"the gateway refused the change (HTTP {reply.status})", host=self.host,
                                  endpoint=path)
        return reply

    async def set_production(self, producing: bool) -> bool:
        """Let the inverters produce, or force production off; returns `producing` as read back."""
        async with self._lock:
            await self._need(CapabilityName.PRODUCTION_POWER_MODE)
            await self._installer_doc(power_mode.PATH)
            await self._installer_write("PUT", power_mode.PATH, power_mode.power_mode_payload(producing))
            data = await self._read_back((power_mode.PATH,))
            if data.power_forced_off is None or data.power_forced_off == producing:
                raise ControlRejected(f"the gateway accepted the change but reads back powerForcedOff="
                                      f"{data.power_forced_off}", host=self.host, endpoint=power_mode.PATH)
            return not data.power_forced_off

    async def set_dpel(self, *, enabled: bool, export_limit: bool | None = None, limit_w: float | None = None,
                       slew_rate: float | None = None) -> DpelSettings:
        """Switch the export (or production) limit on or off and change only the settings given."""
        if limit_w is not None and limit_w < 0:
            raise ValueError(f"limit_w must not be negative, got {limit_w}")
        async with self._lock:
            await self._need(CapabilityName.EXPORT_LIMIT)
            current = dpel.settings_doc(await self._installer_doc(dpel.PATH))
            body = dpel.dpel_payload(current, enabled=enabled, export_limit=export_limit, limit_w=limit_w,
                                     slew_rate=slew_rate)
            await self._installer_write("POST", dpel.PATH, body)
            got = (await self._read_back((dpel.PATH,))).dpel
            wanted = (enabled, export_limit, limit_w, slew_rate)
            if got is None or not _dpel_matches(got, wanted):
                raise ControlRejected(f"the gateway accepted the change but reads back {got}", host=self.host,
                                      endpoint=dpel.PATH)
            return got

    async def set_grid_profile(self, profile_id: str) -> GridProfile:
        """Select a grid profile by id (a wrong profile can take the site off the grid: confirm first)."""
        async with self._lock:
            await self._need(CapabilityName.GRID_PROFILE)
            current = grid_profile.parse_grid_profile(await self._installer_doc(grid_profile.PATH))
            if current is not None and current.profiles and profile_id not in {p.id for p in current.profiles}:
                known = ", ".join(p.id for p in current.profiles)
                raise ControlRejected(f"no grid profile {profile_id!r} on this gateway (has {known})",
                                      host=self.host, endpoint=grid_profile.SET_PATH)
            reply = await self._installer_write("PUT", grid_profile.SET_PATH, {"selected_profile": profile_id})
            try:
                refusal = grid_profile.set_profile_refusal(controls.decode_document(
                    reply.body, path=grid_profile.SET_PATH, host=self.host))
            except InvalidResponse as err:
                refusal = err.message
            if refusal is not None:
                raise ControlRejected(f"the gateway did not apply the profile: {refusal}", host=self.host,
                                      endpoint=grid_profile.SET_PATH)
            got = (await self._read_back((grid_profile.PATH,))).grid_profile
            if got is None or got.selected_id != profile_id:
                raise ControlRejected(f"the gateway accepted the profile but reads back "
                                      f"{got.selected_id if got else None!r}", host=self.host,
                                      endpoint=grid_profile.PATH)
            return got

    async def read_plc_levels(self) -> Mapping[str, int]:
        """The PLC signal level of each inverter and relay; within the hour since the last read, that read's."""
        async with self._lock:
            await self._need(CapabilityName.PLC_SIGNAL_CHECK)
            last = self._cache.good_answer(plc.PATH)
            if last is not None and self._clock() - last.fetched_at < plc.MIN_INTERVAL_S:
                levels = plc.parse_plc_levels(answer_json(last))
            else:
                answer = await self._installer_read(plc.PATH)
                self._cache.record(plc.PATH, answer)
                levels = plc.parse_plc_levels(answer_json(answer))
            if levels is None:
                raise ControlRejected("no signal levels in the answer", host=self.host, endpoint=plc.PATH)
            return levels


def _dpel_matches(got: DpelSettings, wanted: tuple[bool, bool | None, float | None, float | None]) -> bool:
    enabled, export_limit, limit_w, slew_rate = wanted
    return (got.enabled == enabled and (export_limit is None or got.export_limit == export_limit)
            and (limit_w is None or got.limit_w == limit_w) and (slew_rate is None or got.slew_rate == slew_rate))
