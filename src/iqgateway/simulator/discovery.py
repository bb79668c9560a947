"""Zeroconf advertisement of a simulated Envoy: `_enphase-envoy._tcp.local.` with TXT serialnum and protovers."""

from __future__ import annotations

import socket

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

SERVICE_TYPE = "_enphase-envoy._tcp.local."


def service_info(serial: str, firmware: str, host: str, port: int) -> ServiceInfo:
    """What a real Envoy announces (plus the simulator's port, which a real device keeps at 80/443)."""
    name = f"envoy{serial[-6:] or 'sim'}"
    return ServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(host)],
        port=port,
        properties={"serialnum": serial, "protovers": firmware},
        server=f"{name}.local.",
    )


class Advertisement:
    """Announces one device on the given IPv4 interface (127.0.0.1 by default) until stopped."""

    def __init__(self, serial: str, firmware: str, port: int, host: str = "127.0.0.1") -> None:
        self.info = service_info(serial, firmware, host, port)
        self._host = host
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        if self._zeroconf is not None:
            return
        zeroconf = AsyncZeroconf(interfaces=[self._host], ip_version=IPVersion.V4Only)
        try:
            await zeroconf.async_register_service(self.info, allow_name_change=True)
        except BaseException:
            await zeroconf.async_close()
            raise
        self._zeroconf = zeroconf

    async def stop(self) -> None:
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        try:
            await zeroconf.async_unregister_service(self.info)
        finally:
            await zeroconf.async_close()
