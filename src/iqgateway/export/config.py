"""The export's TOML configuration: read with tomllib, checked key by key.

    interval_s = 60                      # the regular cycle (seconds, at least 1)
    max_in_flight = 32                   # optional: updates running at once across the fleet
    [mqtt]                               # optional
    url = "mqtt://127.0.0.1:1883"        # mqtts:// for TLS
    username = "…"                       # optional
    password = "…"                       # optional
    discovery_prefix = "homeassistant"   # optional
    topic_prefix = "iqgateway"           # optional: the state and availability topics
    client_id = "…"                      # optional
    ca_file = "/path/ca.pem"             # optional, mqtts only: the CA that signed the broker's certificate
    [prometheus]                         # optional
    listen = "127.0.0.1:9108"
    [[gateway]]                          # one per Envoy
    host = "https://192.168.1.50"
    token = "…"                          # or username/password (Enlighten; "installer" below firmware 7,
                                         # its password derived from the serial when absent); a token with
                                         # the Enlighten username/password is renewed from the cloud
    name = "Roof"                        # optional: the device name shown in Home Assistant

Every problem is a `ConfigError` naming the file and the key (`gateway[2].token`); a secret's value is never
part of a message.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..derived.daily_store import site_zone
from ..errors import IQGatewayError

DEFAULT_MAX_IN_FLIGHT = 32
MIN_INTERVAL_S = 1.0
MQTT_PORTS = {"mqtt": 1883, "mqtts": 8883}
_TOPIC_FORBIDDEN = ("+", "#", "\x00")


class ConfigError(Exception):
    """The configuration file is missing, not TOML, or a key is absent, unknown or of the wrong kind."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.message = message
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class MqttConfig:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    discovery_prefix: str
    topic_prefix: str
    client_id: str | None
    ca_file: str | None

    def __repr__(self) -> str:
        return f"MqttConfig(host={self.host!r}, port={self.port}, tls={self.tls}, username={self.username!r})"


@dataclass(frozen=True, slots=True)
class PrometheusConfig:
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str
    token: str | None
    username: str | None
    password: str | None
    name: str | None
    tz: str | None = None  # the site's zone: today / last seven days rebuilt from the lifetime counters
    state_file: str | None = None  # where the midnight closes are kept between runs

    def __repr__(self) -> str:
        return f"GatewayConfig(host={self.host!r}, username={self.username!r}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class ExportConfig:
    interval_s: float
    max_in_flight: int
    mqtt: MqttConfig | None
    prometheus: PrometheusConfig | None
    gateways: tuple[GatewayConfig, ...]


class _Reader:
    """Typed reads of one table; every failure names the key."""

    def __init__(self, table: Mapping[str, Any], *, path: str, where: str, known: tuple[str, ...]) -> None:
        self.table, self.path, self.where = table, path, where
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(f"unknown key (known: {', '.join(known)})", path=path, key=self.name(unknown[0]))

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=self.name(key))

    def text(self, key: str, *, required: bool = False, secret: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str):
            shown = "a value" if secret else repr(value)
            raise self.fail(key, f"must be a string, not {shown} ({type(value).__name__})")
        if not value.strip():
            raise self.fail(key, "must not be empty")
        return value.strip() if not secret else value

    def number(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number, not {value!r}")
        return float(value)

    def integer(self, key: str, default: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        return value


def load_config(path: str | Path) -> ExportConfig:
    """Read and check the configuration file."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read the file: {err.strerror or err}", path=name) from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=name) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"is not valid TOML: {err}", path=name) from None
    return parse_config(doc, path=name)


def parse_config(doc: Mapping[str, Any], *, path: str = "config") -> ExportConfig:
    """Check an already decoded TOML document."""
    top = _Reader(doc, path=path, where="", known=("interval_s", "max_in_flight", "mqtt", "prometheus", "gateway"))
    interval = top.number("interval_s", 60.0)
    if interval < MIN_INTERVAL_S:
        raise top.fail("interval_s", f"must be at least {MIN_INTERVAL_S:g} seconds, not {interval:g}")
    in_flight = top.integer("max_in_flight", DEFAULT_MAX_IN_FLIGHT)
    if in_flight < 1:
        raise top.fail("max_in_flight", f"must be at least 1, not {in_flight}")
    mqtt = _mqtt(_table(doc, "mqtt", path), path) if "mqtt" in doc else None
    prometheus = _prometheus(_table(doc, "prometheus", path), path) if "prometheus" in doc else None
    if mqtt is None and prometheus is None:
        raise ConfigError("nothing to export to: add an [mqtt] or a [prometheus] table", path=path)
    gateways = doc.get("gateway")
    if gateways is None:
        raise ConfigError("is required: add one [[gateway]] table per Envoy", path=path, key="gateway")
    if not isinstance(gateways, list) or not all(isinstance(g, dict) for g in gateways):
        raise ConfigError("must be an array of tables ([[gateway]])", path=path, key="gateway")
    if not gateways:
        raise ConfigError("needs at least one [[gateway]] table", path=path, key="gateway")
    parsed = tuple(_gateway(g, path, i) for i, g in enumerate(gateways))
    seen: dict[str, int] = {}
    for i, gateway in enumerate(parsed):
        key = gateway.host.lower().rstrip("/")
        if key in seen:
            raise ConfigError(f"is the same host as gateway[{seen[key]}].host", path=path, key=f"gateway[{i}].host")
        seen[key] = i
    return ExportConfig(interval, in_flight, mqtt, prometheus, parsed)


def _table(doc: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = doc[key]
    if not isinstance(value, dict):
        raise ConfigError(f"must be a table ([{key}])", path=path, key=key)
    return value


def _topic_part(reader: _Reader, key: str, default: str) -> str:
    value = reader.text(key) or default
    if any(c in value for c in _TOPIC_FORBIDDEN) or value.startswith("/") or value.endswith("/"):
        raise reader.fail(key, f"{value!r} is not a topic prefix (no +, #, leading or trailing /)")
    return value


def _mqtt(table: Mapping[str, Any], path: str) -> MqttConfig:
    reader = _Reader(table, path=path, where="mqtt", known=(
        "url", "username", "password", "discovery_prefix", "topic_prefix", "client_id", "ca_file",
    ))
    url = reader.text("url", required=True)
    assert url is not None
    parts = urlsplit(url)
    if parts.scheme not in MQTT_PORTS:
        raise reader.fail("url", f"{url!r}: the scheme must be mqtt:// or mqtts://")
    try:
        port = parts.port or MQTT_PORTS[parts.scheme]
    except ValueError:
        raise reader.fail("url", f"{url!r}: the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise reader.fail("url", f"{url!r}: no host")
    if parts.username or parts.password:
        raise reader.fail("url", "put the credentials in mqtt.username and mqtt.password, not in the URL")
    username = reader.text("username")
    password = reader.text("password", secret=True)
    if password is not None and username is None:
        raise reader.fail("password", "is given without mqtt.username")
    ca_file = reader.text("ca_file")
    if ca_file is not None and parts.scheme != "mqtts":
        raise reader.fail("ca_file", "only applies to mqtts:// URLs")
    return MqttConfig(
        host=parts.hostname, port=port, tls=parts.scheme == "mqtts", username=username, password=password,
        discovery_prefix=_topic_part(reader, "discovery_prefix", "homeassistant"),
        topic_prefix=_topic_part(reader, "topic_prefix", "iqgateway"),
        client_id=reader.text("client_id"), ca_file=ca_file,
    )


def _prometheus(table: Mapping[str, Any], path: str) -> PrometheusConfig:
    reader = _Reader(table, path=path, where="prometheus", known=("listen",))
    listen = reader.text("listen", required=True)
    assert listen is not None
    host, sep, port_text = listen.rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise reader.fail("listen", f"{listen!r}: want HOST:PORT, e.g. \"127.0.0.1:9108\"")
    return PrometheusConfig(host or "0.0.0.0", int(port_text))  # noqa: S104 - ":9108" means every interface


def _gateway(table: Mapping[str, Any], path: str, index: int) -> GatewayConfig:
    reader = _Reader(table, path=path, where=f"gateway[{index}]", known=("host", "token", "username", "password",
                                                                          "name", "tz", "state_file"))
    host = reader.text("host", required=True)
    assert host is not None
    token = reader.text("token", secret=True)
    username = reader.text("username")
    password = reader.text("password", secret=True)
    if password is not None and username is None:
        raise reader.fail("password", "is given without a username")
    tz = reader.text("tz")
    if tz is not None:
        try:
            site_zone(tz)
        except IQGatewayError as err:
            raise reader.fail("tz", err.message) from None
    state_file = reader.text("state_file")
    if state_file is not None and tz is None:
        raise reader.fail("state_file", "is given without a tz")
    return GatewayConfig(host=host, token=token, username=username, password=password, name=reader.text("name"),
                         tz=tz, state_file=state_file)
