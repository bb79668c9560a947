"""`/info` (device identity XML) and `/home` (network and comm status)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .context import Scene

_PACKAGES_MODERN = (
    ("agf", "500-00012-r01", "02.02.00", "31d2e7"),
    ("app", "500-00002-r01", None, "d123b2"),
    ("backbone", "500-00010-r01", "07.00.20", "176d57"),
    ("boot", "590-00019-r01", "02.00.01", "2569cb"),
    ("devimg", "500-00004-r01", "01.02.550", "66b5c8"),
    ("geo", "500-00008-r01", "02.01.24", "a74d96"),
    ("kernel", "500-00011-r02", "04.04.225", "08bedf"),
    ("meter", "500-00013-r01", "03.02.08", "91ea9b"),
    ("security", "500-00016-r01", "02.00.00", "54a6dc"),
)
_PACKAGES_LEGACY = (
    ("devimg", "500-00004-r01", "01.02.245", "033b78"),
    ("geo", "500-00008-r01", "02.01.22", "702db9"),
    ("backbone", "500-00010-r01", "02.01.15", "ad8746"),
    ("boot", "590-00015-r01", "02.00.01", "0b54c5"),
    ("app", "500-00002-r01", None, "0e8c7a"),
    ("security", "500-00016-r01", "02.00.00", "54a6dc"),
    ("kernel", "500-00003-r01", "02.04.00", "80e63f"),
    ("rootfs", "500-00001-r01", "01.02.00", "802"),
)


def _app_version(firmware: str) -> str:
    parts = firmware.split(".")
    return ".".join(p.zfill(2) for p in parts)


def info_xml(scene: Scene) -> bytes:
    hw = scene.hw
    legacy = hw.version < (7,)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<envoy_info>", f"\t<time>{scene.ts}</time>", "\t<device>"]
    lines += [
        f"\t\t<sn>{hw.serial}</sn>",
        f"\t\t<pn>{hw.part_number}</pn>",
        f"\t\t<software>{hw.channel}{hw.firmware}</software>",
        "\t\t<euaid>4c8675</euaid>",
        "\t\t<seqnum>0</seqnum>",
        "\t\t<apiver>1</apiver>",
    ]
    if hw.imeter is not None:
        lines.append(f"\t\t<imeter>{'true' if hw.imeter else 'false'}</imeter>")
    lines.append("\t</device>")
    if not legacy:
        lines.append("\t<web-tokens>true</web-tokens>")
    for name, pn, version, build in _PACKAGES_LEGACY if legacy else _PACKAGES_MODERN:
        lines += [
            f'\t<package name="{name}">',
            f"\t\t<pn>{pn}</pn>",
            f"\t\t<version>{version or _app_version(hw.firmware)}</version>",
            f"\t\t<build>{build}</build>",
            "\t</package>",
        ]
    if not legacy:
        lines += [
            "\t<build_info>",
            "\t\t<build_id>sim-iqgateway:pkg</build_id>",
            f"\t\t<build_time_gmt>{hw.installed}</build_time_gmt>",
            "\t\t<release_stage>700-GA</release_stage>",
            "\t\t<release_ver>02.00.1514</release_ver>",
            "\t</build_info>",
        ]
    lines.append("</envoy_info>")
    return ("\n".join(lines) + "\n").encode()


def home(scene: Scene, *, inverters: int, acbs: int, encharges: int) -> dict[str, Any]:
    hw = scene.hw
    local = datetime.fromtimestamp(scene.t, ZoneInfo(hw.timezone))
    tail = hw.serial[-4:]
    mac_tail = f"{tail[:2]}:{tail[2:]}"
    return {
        "software_build_epoch": hw.installed,
        "timezone": hw.timezone,
        "current_date": local.strftime("%m/%d/%Y"),
        "current_time": local.strftime("%H:%M"),
        "network": {
            "web_comm": True,
            "ever_reported_to_enlighten": True,
            "last_enlighten_report_time": scene.ts - scene.ts % 900,
            "primary_interface": "eth0",
            "interfaces": [
                {
                    "type": "ethernet",
                    "interface": "eth0",
                    "mac": f"00:1D:C0:99:{mac_tail}",
                    "dhcp": True,
                    "ip": "192.168.1.50",
                    "signal_strength": 1,
                    "signal_strength_max": 1,
                    "carrier": True,
                },
                {
                    "signal_strength": 0,
                    "signal_strength_max": 0,
                    "type": "wifi",
                    "interface": "wlan0",
                    "mac": f"90:48:46:99:{mac_tail}",
                    "dhcp": True,
                    "ip": None,
                    "carrier": False,
                    "supported": True,
                    "present": True,
                    "configured": False,
                    "status": "connecting",
                },
            ],
        },
        "tariff": "single_rate",
        "comm": {
            "num": inverters + acbs + encharges + (1 if hw.enpower else 0),
            "level": 5,
            "pcu": {"num": inverters, "level": 5},
            "acb": {"num": acbs, "level": 5 if acbs else 0},
            "nsrb": {"num": 0, "level": 0},
            "esub": {"num": 1 if hw.enpower else 0, "level": 5 if hw.enpower else 0},
            "encharge": [{"num": encharges, "level": 5 if encharges else 0, "level_24g": 0, "level_subg": 0}],
        },
        "wireless_connection": [
            {"signal_strength": 0, "signal_strength_max": 0, "type": "zigbee", "connected": True},
            {"signal_strength": 0, "signal_strength_max": 0, "type": "subghz", "connected": True},
        ],
    }
