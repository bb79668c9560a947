"""Installer-grade features: which entities exist, the repair issue naming what the token lacks, control errors.

The library's capability report (`Gateway.capabilities`) decides. An entity of a capability is created only
while the report says it is available (and becomes unavailable if a later report, after a firmware change,
takes it away). Capabilities that need the installer role raise one repair issue per entry that lists each
with the report's reason; it is withdrawn once the report has none left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from iqgateway import (
    CapabilityName,
    CapabilityReport,
    CapabilityState,
    CapabilityUnavailable,
    ControlRejected,
    FeatureNotAvailable,
    Gateway,
    GatewayData,
    InstallerRoleRequired,
    IQGatewayError,
)

from .const import DOMAIN, ISSUE_NEEDS_INSTALLER
from .coordinator import EnvoyConfigEntry, EnvoyCoordinator
from .entity import EnvoyEntity

T = TypeVar("T")
R = TypeVar("R")

# The meter stream has its own repair issue (realtime.py), raised only when the realtime option is on.
NOT_IN_ISSUE = frozenset({CapabilityName.REALTIME_STREAM})


@dataclass(frozen=True, kw_only=True)
class CapabilityGate:
    """What an installer-grade description adds: the capability it needs (None: none) and whether it is opt-in."""

    capability: CapabilityName | None = None
    # the Gateway must have the PLC signal check turned on (the options flow's opt-in)
    needs_plc_check: bool = False


def capability_available(gateway: Gateway, name: CapabilityName | None, *, needs_plc_check: bool = False) -> bool:
    """Whether the latest capability report says `name` is available (no report yet: nothing is)."""
    if needs_plc_check and not gateway.plc_check_enabled:
        return False
    if name is None:
        return True
    report = gateway.capabilities
    return report is not None and report.available(name)


def gated(coordinator: EnvoyCoordinator, descriptions: Iterable[Any]) -> tuple[Any, ...]:
    """The descriptions, each existing only while its capability is available (see `capability_available`)."""
    gateway = coordinator.gateway

    def gate(description: Any) -> Any:
        exists = description.exists_fn

        def exists_fn(item: Any, data: GatewayData) -> bool:
            return capability_available(
                gateway, description.capability, needs_plc_check=description.needs_plc_check
            ) and bool(exists(item, data))

        return dataclasses.replace(description, exists_fn=exists_fn)

    return tuple(gate(d) for d in descriptions)


class GatedEntity(EnvoyEntity[T]):
    """An entity of an installer-grade capability: unavailable while the report says the capability is not."""

    entity_description: Any  # an EnvoyEntityDescription that is also a CapabilityGate

    @property
    def available(self) -> bool:
        description = self.entity_description
        return super().available and capability_available(
            self.coordinator.gateway, description.capability, needs_plc_check=description.needs_plc_check
        )

    async def installer_control(
        self, action: str, call: Callable[[Gateway], Awaitable[R]], apply: Callable[[GatewayData, R], GatewayData]
    ) -> None:
        """Run one installer control; show the value it read back (`apply` puts it into the snapshot)."""
        gateway = self.coordinator.gateway
        try:
            result = await call(gateway)
        except IQGatewayError as err:
            raise control_error(err, action, self.entity_id, gateway.host) from err
        self.coordinator.async_set_updated_data(apply(self.coordinator.data, result))


def control_error(err: IQGatewayError, action: str, entity_id: str, host: str) -> HomeAssistantError:
    """The translated error of a control the device (or the capability report) refused."""
    if isinstance(err, InstallerRoleRequired):
        key = "installer_role_required"
    elif isinstance(err, CapabilityUnavailable):
        key = "capability_unavailable"
    elif isinstance(err, ControlRejected):
        key = "action_rejected"
    elif isinstance(err, FeatureNotAvailable):
        key = "action_not_available"
    else:
        key = "action_failed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "action": action,
            "entity": entity_id,
            "host": host,
            "reason": f"{err.endpoint}: {err.message}" if err.endpoint else err.message,
        },
    )


def not_read_error(action: str, entity_id: str, host: str) -> HomeAssistantError:
    """A control that needs the current settings before the Envoy has reported them."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="settings_not_read",
        translation_placeholders={"action": action, "entity": entity_id, "host": host},
    )


def installer_issue_id(entry_id: str) -> str:
    return f"{ISSUE_NEEDS_INSTALLER}_{entry_id}"


def missing_for_installer(report: CapabilityReport | None) -> tuple[str, ...]:
    """One line per capability the token's role keeps out of reach: its name and the report's reason."""
    if report is None:
        return ()
    return tuple(
        f"- {capability.name.value.replace('_', ' ')}: {capability.reason}"
        for capability in report.capabilities
        if capability.state is CapabilityState.NEEDS_INSTALLER and capability.name not in NOT_IN_ISSUE
    )


@callback
def track_installer_issue(hass: HomeAssistant, entry: EnvoyConfigEntry) -> None:
    """Raise, update or withdraw the entry's "needs installer role" issue whenever the report changes."""
    coordinator = entry.runtime_data
    issue_id = installer_issue_id(entry.entry_id)
    shown: list[tuple[str, ...]] = []  # what the issue says now (empty: no issue raised yet)

    @callback
    def update() -> None:
        missing = missing_for_installer(coordinator.gateway.capabilities)
        if shown and shown[-1] == missing:
            return
        shown[:] = [missing]
        if not missing:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_NEEDS_INSTALLER,
            translation_placeholders={
                "title": entry.title,
                "host": coordinator.gateway.host,
                "role": (report.role if (report := coordinator.gateway.capabilities) else None) or "?",
                "missing": "\n".join(missing),
            },
        )

    update()
    entry.async_on_unload(coordinator.async_add_listener(update))
    entry.async_on_unload(lambda: ir.async_delete_issue(hass, DOMAIN, issue_id))

