"""The export's TOML file: the issue's format as written, and a typed error naming the key for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from iqgateway.export import ConfigError, load_config, parse_config

ISSUE_EXAMPLE = """\
interval_s = 60                      # the regular cycle; the library's cadence still decides what is fetched
[mqtt]                               # optional
url = "mqtt://127.0.0.1:1883"        # mqtts:// for TLS
username = "broker-user"
password = "broker-secret"
discovery_prefix = "homeassistant"
[prometheus]                         # optional
listen = "127.0.0.1:9108"
[[gateway]]                          # one per Envoy
host = "https://192.168.1.50"
token = "eyJhbGciOi.secret-token"
[[gateway]]
host = "192.168.1.51"
username = "installer"
[[gateway]]
host = "192.168.1.52:8443"
username = "owner@example.com"
password = "enlighten-secret"
name = "Barn"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    return path


def test_the_issue_format_reads_as_written(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ISSUE_EXAMPLE))
    assert config.interval_s == 60.0
    assert config.mqtt is not None
    assert (config.mqtt.host, config.mqtt.port, config.mqtt.tls) == ("127.0.0.1", 1883, False)
    assert (config.mqtt.username, config.mqtt.password) == ("broker-user", "broker-secret")
    assert (config.mqtt.discovery_prefix, config.mqtt.topic_prefix) == ("homeassistant", "iqgateway")
    assert config.prometheus is not None
    assert (config.prometheus.host, config.prometheus.port) == ("127.0.0.1", 9108)
    first, second, third = config.gateways
    assert (first.host, first.token, first.username) == ("https://192.168.1.50", "eyJhbGciOi.secret-token", None)
    assert (second.username, second.password) == ("installer", None)  # the library derives its password
    assert (third.username, third.password, third.name) == ("owner@example.com", "enlighten-secret", "Barn")
    # the secrets stay out of the reprs
    for text in (repr(config.mqtt), *map(repr, config.gateways)):
        assert "secret" not in text


def test_mqtts_default_port_and_optional_tables(tmp_path: Path) -> None:
    config = parse_config({"mqtt": {"url": "mqtts://broker.lan", "ca_file": "/etc/ca.pem"},
                           "gateway": [{"host": "10.0.0.9"}]})
    assert config.mqtt is not None
    assert (config.mqtt.port, config.mqtt.tls, config.mqtt.ca_file) == (8883, True, "/etc/ca.pem")
    assert config.prometheus is None
    assert config.interval_s == 60.0
    assert config.max_in_flight == 32


@pytest.mark.parametrize(
    ("doc", "key", "words"),
    [
        ({"gateway": [{"host": "a"}]}, None, "nothing to export to"),
        ({"prometheus": {"listen": "127.0.0.1:9108"}}, "gateway", "is required"),
        ({"prometheus": {"listen": "127.0.0.1:9108"}, "gateway": []}, "gateway", "at least one"),
        ({"prometheus": {"listen": "127.0.0.1:9108"}, "gateway": [{"token": "t"}]}, "gateway[0].host", "required"),
        ({"prometheus": {"listen": "127.0.0.1:9108"}, "gateway": [{"host": "a", "tokn": "t"}]}, "gateway[0].tokn",
         "unknown key"),
        ({"prometheus": {"listen": "9108"}, "gateway": [{"host": "a"}]}, "prometheus.listen", "HOST:PORT"),
        ({"prometheus": {"listen": "h:99999"}, "gateway": [{"host": "a"}]}, "prometheus.listen", "HOST:PORT"),
        ({"mqtt": {"url": "http://broker"}, "gateway": [{"host": "a"}]}, "mqtt.url", "mqtt:// or mqtts://"),
        ({"mqtt": {}, "gateway": [{"host": "a"}]}, "mqtt.url", "is required"),
        ({"mqtt": {"url": "mqtt://u:p@broker"}, "gateway": [{"host": "a"}]}, "mqtt.url", "not in the URL"),
        ({"mqtt": {"url": "mqtt://b", "password": "p"}, "gateway": [{"host": "a"}]}, "mqtt.password", "without"),
        ({"mqtt": {"url": "mqtt://b", "discovery_prefix": "ha/#"}, "gateway": [{"host": "a"}]},
         "mqtt.discovery_prefix", "not a topic prefix"),
        ({"mqtt": {"url": "mqtt://b", "ca_file": "x"}, "gateway": [{"host": "a"}]}, "mqtt.ca_file", "mqtts"),
        ({"interval_s": 0.5, "mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a"}]}, "interval_s", "at least"),
        ({"interval_s": "60", "mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a"}]}, "interval_s", "number"),
        ({"interval_s": True, "mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a"}]}, "interval_s", "number"),
        ({"max_in_flight": 0, "mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a"}]}, "max_in_flight", "least"),
        ({"mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a"}, {"host": "A/"}]}, "gateway[1].host", "same host"),
        ({"mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a", "password": "p"}]}, "gateway[0].password",
         "without a username"),
        ({"mqtt": {"url": "mqtt://b"}, "gateway": [{"host": " "}]}, "gateway[0].host", "empty"),
        ({"mqtt": "mqtt://b", "gateway": [{"host": "a"}]}, "mqtt", "table"),
        ({"mqtt": {"url": "mqtt://b"}, "gateway": {"host": "a"}}, "gateway", "array of tables"),
        ({"mqtt": {"url": "mqtt://b"}, "gatway": [{"host": "a"}]}, "gatway", "unknown key"),
    ],
)
def test_each_mistake_names_its_key(doc: dict[str, object], key: str | None, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, path="fleet.toml")
    assert caught.value.key == key
    assert words in caught.value.message
    assert str(caught.value).startswith("fleet.toml: " + (f"{key}: " if key else ""))


def test_a_secret_of_the_wrong_kind_is_not_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"mqtt": {"url": "mqtt://b"}, "gateway": [{"host": "a", "token": 123456789}]})
    assert caught.value.key == "gateway[0].token"
    assert "123456789" not in str(caught.value)


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "interval_s = = 3\n"))
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'interval_s = 60\n# caf\xe9\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)
