"""`/info` XML -> DeviceInfo, on every capture and on bad input."""

from __future__ import annotations

import re

import pytest

from iqgateway.errors import InvalidResponse, UnsupportedFirmware
from iqgateway.info import parse_info
from tests.shared import CAPTURES, capture_names

HOST = "192.0.2.3"


def _tag(xml: bytes, tag: str) -> str | None:
    device = re.search(rb"<device>(.*?)</device>", xml, re.S)
    assert device is not None
    found = re.search(rb"<" + tag.encode() + rb">([^<]*)</", device.group(1))
    return found.group(1).decode() if found else None


@pytest.mark.parametrize("name", capture_names())
def test_every_capture_identity(name: str) -> None:
    xml = (CAPTURES / name / "info").read_bytes()
    info = parse_info(xml, host=HOST)
    software = _tag(xml, "software")
    assert software is not None
    assert info.serial == _tag(xml, "sn")
    assert info.part_number == _tag(xml, "pn")
    assert info.firmware_channel == software[0]
    assert info.firmware == software[1:]
    assert info.firmware_version == tuple(int(p) for p in software[1:].split("."))
    imeter = _tag(xml, "imeter")
    assert info.metered == (None if imeter is None else imeter == "true")


def test_concrete_values() -> None:
    info = parse_info((CAPTURES / "8.3.5169_with_generator" / "info").read_bytes(), host=HOST)
    assert (info.serial, info.part_number, info.firmware, info.firmware_channel, info.metered) == (
        "202439990001", "800-00647-r11", "8.3.5169", "D", True)
    assert info.firmware_version == (8, 3, 5169)
    old = parse_info((CAPTURES / "3.8.10" / "info").read_bytes(), host=HOST)
    assert old.firmware == "3.18.10"  # the folder says 3.8.10, the device says 3.18.10
    assert old.metered is None


def _xml(software: str) -> bytes:
    return (f"<?xml version='1.0'?><envoy_info><device><sn>121212121212</sn><pn>800-00069-r05</pn>"
            f"<software>{software}</software></device></envoy_info>").encode()


@pytest.mark.parametrize("software", ["R3.8.5", "D3.7.0", "2.1"])
def test_old_firmware_is_unsupported_and_named(software: str) -> None:
    with pytest.raises(UnsupportedFirmware) as caught:
        parse_info(_xml(software), host=HOST)
    version = software.lstrip("RD")
    assert caught.value.firmware == version
    assert version in str(caught.value)
    assert "unsupported" in str(caught.value)
    assert caught.value.host == HOST
    assert caught.value.endpoint == "/info"


def test_3_9_is_supported() -> None:
    assert parse_info(_xml("R3.9.0"), host=HOST).firmware_version == (3, 9, 0)


def test_html_only_device_is_unsupported() -> None:
    with pytest.raises(UnsupportedFirmware, match="HTML"):
        parse_info(b"<!DOCTYPE html><html><body><h1>Envoy</h1></body></html>", host=HOST)


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"<envoy_info><device>", b"\xff\xfe\x00<",
                                  b"<other/>", b"<envoy_info></envoy_info>",
                                  b"<envoy_info><device><sn>1</sn></device></envoy_info>",
                                  b"<envoy_info><device><software>D8.1</software></device></envoy_info>",
                                  b"<envoy_info><device><sn>1</sn><software>beta</software></device></envoy_info>"])
def test_garbage_is_invalid_response(body: bytes) -> None:
    with pytest.raises(InvalidResponse) as caught:
        parse_info(body, host=HOST)
    assert caught.value.endpoint == "/info"
    assert HOST in str(caught.value)


def test_entity_expansion_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<envoy_info><device><sn>&lol2;</sn><software>D8.1.41</software></device></envoy_info>")
    with pytest.raises(InvalidResponse):
        parse_info(bomb, host=HOST)
