"""`iqgateway export`: one asyncio process following many gateways into MQTT and Prometheus.

config.py reads the TOML file; fleet.py polls the gateways; catalog.py (with catalog_devices.py) says what is
published, from each snapshot; discovery.py and mqtt.py publish to an MQTT broker with Home Assistant
discovery; prometheus.py (with prometheus_table.py) serves /metrics; service.py ties them together.
MQTT and Prometheus need the `export` extra: `pip install 'iqgateway[export]'`.
"""

from __future__ import annotations

from .config import ConfigError, ExportConfig, GatewayConfig, MqttConfig, PrometheusConfig, load_config, parse_config

__all__ = [
    "ConfigError",
    "ExportConfig",
    "GatewayConfig",
    "MqttConfig",
    "PrometheusConfig",
    "load_config",
    "parse_config",
]
