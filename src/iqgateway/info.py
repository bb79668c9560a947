"""`/info` (XML) -> DeviceInfo: serial, part number, firmware, metered hardware."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .errors import InvalidResponse, UnsupportedFirmware
from .firmware import split_software
from .models import DeviceInfo

INFO_PATH = "/info"
MIN_FIRMWARE: tuple[int, ...] = (3, 9)


def parse_info(xml: bytes, *, host: str) -> DeviceInfo:
    """Read the device identity; UnsupportedFirmware below 3.9 or for an HTML-only device."""
    if _looks_like_html(xml):
        raise UnsupportedFirmware(
            "the device answers /info with an HTML page, not the XML identity: this firmware is unsupported",
            firmware=None, host=host, endpoint=INFO_PATH)
    root = _parse_xml(xml, host)
    device = root.find("device")
    if device is None:
        raise InvalidResponse("/info has no <device> element", host=host, endpoint=INFO_PATH)
    serial = _text(device, "sn")
    software = _text(device, "software")
    if not serial:
        raise InvalidResponse("/info has no serial number (<sn>)", host=host, endpoint=INFO_PATH)
    if not software:
        raise InvalidResponse("/info has no firmware version (<software>)", host=host, endpoint=INFO_PATH)
    parsed = split_software(software)
    if parsed is None:
        raise InvalidResponse(f"/info firmware version {software!r} is not a version number",
                              host=host, endpoint=INFO_PATH)
    channel, firmware, version = parsed
    if version < MIN_FIRMWARE:
        raise UnsupportedFirmware(
            f"firmware {firmware} is unsupported (iqgateway needs 3.9 or newer)",
            firmware=firmware, host=host, endpoint=INFO_PATH)
    imeter = _text(device, "imeter")
    metered = None if imeter is None else imeter.strip().lower() == "true"
    return DeviceInfo(
        serial=serial.strip(),
        part_number=(_text(device, "pn") or "").strip() or None,
        firmware=firmware,
        firmware_channel=channel,
        metered=metered,
        firmware_version=version,
    )


def _looks_like_html(xml: bytes) -> bool:
    head = xml.lstrip()[:200].lower()
    return head.startswith((b"<!doctype html", b"<html")) or (b"<html" in head and b"<envoy_info" not in xml)


def _parse_xml(xml: bytes, host: str) -> Element:
    if not xml.strip():
        raise InvalidResponse("/info answered an empty body", host=host, endpoint=INFO_PATH)
    try:
        root = fromstring(xml)
    except (ParseError, DefusedXmlException, ValueError) as err:
        raise InvalidResponse(f"/info is not well-formed XML ({err})", host=host, endpoint=INFO_PATH) from None
    if not isinstance(root, Element):
        raise InvalidResponse("/info is not an XML document", host=host, endpoint=INFO_PATH)
    if root.tag != "envoy_info":
        raise InvalidResponse(f"/info root element is <{root.tag}>, expected <envoy_info>",
                              host=host, endpoint=INFO_PATH)
    return root


def _text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    return None if child is None else (child.text or "")
