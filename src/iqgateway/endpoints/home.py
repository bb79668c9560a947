"""`/home`: the gateway's own status page (network interfaces, timezone, software build)."""

from __future__ import annotations

from dataclasses import dataclass

from .family import ON_DEMAND, EndpointFamily
from .values import JsonDict, bool_at, dict_at, dicts, int_like, mapping, num_at, str_at


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    interface: str | None  # "eth0", "wlan0", "ppp0"
    type: str | None  # "ethernet", "wifi", "cellular"
    mac: str | None
    ip: str | None
    dhcp: bool | None
    carrier: bool | None
    signal_strength: float | None
    signal_strength_max: float | None


@dataclass(frozen=True, slots=True)
class HomeInfo:
    software_build_epoch: int | None
    timezone: str | None
    primary_interface: str | None
    web_comm: bool | None
    last_enlighten_report_time: int | None
    interfaces: tuple[NetworkInterface, ...]
    raw: JsonDict

    @property
    def mac(self) -> str | None:
        """The MAC address of the primary interface, else of the first interface that has one."""
        primary = [i.mac for i in self.interfaces if i.mac and i.interface == self.primary_interface]
        others = [i.mac for i in self.interfaces if i.mac]
        return next(iter(primary or others), None)


def parse_home(doc: object) -> HomeInfo | None:
    root = mapping(doc)
    if root is None:
        return None
    network = dict_at(root, "network")
    interfaces = tuple(
        NetworkInterface(
            interface=str_at(entry, "interface"),
            type=str_at(entry, "type"),
            mac=str_at(entry, "mac"),
            ip=str_at(entry, "ip"),
            dhcp=bool_at(entry, "dhcp"),
            carrier=bool_at(entry, "carrier"),
            signal_strength=num_at(entry, "signal_strength"),
            signal_strength_max=num_at(entry, "signal_strength_max"),
        )
        for entry in dicts(None if network is None else network.get("interfaces"))
    )
    info = HomeInfo(
        software_build_epoch=int_like(root.get("software_build_epoch")),
        timezone=str_at(root, "timezone"),
        primary_interface=str_at(network, "primary_interface"),
        web_comm=bool_at(network, "web_comm"),
        last_enlighten_report_time=int_like(None if network is None else network.get("last_enlighten_report_time")),
        interfaces=interfaces,
        raw=root,
    )
    if info.timezone is None and info.software_build_epoch is None and network is None:
        return None
    return info


HOME = "/home"

# read only when asked for (Gateway.home()), never by an update, and not probed
FAMILY = EndpointFamily(name="home", intervals=((HOME, ON_DEMAND),), slow=frozenset({HOME}))
