"""iqgateway: read and control Enphase IQ Gateway (Envoy) systems locally.

- `Gateway`: one gateway — `update()` returns a `GatewayData` snapshot (frozen dataclasses); controls
  change relays, battery settings and the generator. `CloudEndpoints` says where the Enphase cloud lives
  (tokens for firmware 7 and later); `Cadence` how often each endpoint is read.
- `MeterStream` (`Gateway.stream()`): every `/stream/meter` frame (`StreamFrame`), reconnecting as needed.
- `LivePower`: the one-second power flows (`LiveData`) of firmware 7 and later, polled beside the updates.
- `GridEnergy`, `BatteryEnergy`: energy the gateway does not count itself, derived from the snapshots;
  `DailyEnergy`: today and last seven days from the lifetime counters at local midnight (Gateway(tz=...)).
- Every error raised is an `IQGatewayError` naming the host and endpoint.
"""

from __future__ import annotations

from .auth.enlighten import CloudEndpoints
from .capabilities import Capability, CapabilityName, CapabilityReport, CapabilityState
from .derived import BatteryEnergy, DailyEnergy, DailyFigures, GridEnergy, GridEnergyTotals
from .endpoints.home import HomeInfo, NetworkInterface
from .errors import (
    AuthenticationError,
    AuthenticationRequired,
    CapabilityUnavailable,
    CloudError,
    CommunicationError,
    ControlRejected,
    DeviceTimeout,
    DeviceUnavailable,
    FeatureNotAvailable,
    HttpStatusError,
    InstallerRoleRequired,
    InvalidCredentials,
    InvalidResponse,
    InvalidState,
    IQGatewayError,
    MfaRequired,
    StaleError,
    StreamRoleError,
    TokenExpired,
    UnsupportedFirmware,
)
from .frames import ChannelValues, PhaseValues, StreamFrame
from .gateway import Gateway
from .live import LivePower
from .models import (
    AcBatteries,
    AcbUnit,
    AuthKind,
    BatteryAggregate,
    C6Combiner,
    Collar,
    CtMeter,
    DeviceInfo,
    DryContact,
    EnchargeAggregate,
    EnchargeBattery,
    EndpointStatus,
    EnergyReading,
    Enpower,
    Feature,
    Features,
    GatewayData,
    Generator,
    GeneratorState,
    Inverter,
    LiveData,
    LiveMeter,
    LivePhasePower,
    MeasurementType,
    MeterReading,
    StorageMode,
    StorageSettings,
)
from .models_installer import DpelSettings, GridProfile, GridProfileOption, QRelay
from .schedule import Cadence
from .version import package_version

__version__ = package_version()
from .stream import MeterStream
from .stream_stats import StreamStats

__all__ = [
    "AcBatteries",
    "AcbUnit",
    "AuthKind",
    "AuthenticationError",
    "AuthenticationRequired",
    "BatteryAggregate",
    "BatteryEnergy",
    "C6Combiner",
    "Cadence",
    "Capability",
    "CapabilityName",
    "CapabilityReport",
    "CapabilityState",
    "CapabilityUnavailable",
    "ChannelValues",
    "CloudEndpoints",
    "CloudError",
    "Collar",
    "CommunicationError",
    "ControlRejected",
    "CtMeter",
    "DailyEnergy",
    "DailyFigures",
    "DeviceInfo",
    "DeviceTimeout",
    "DeviceUnavailable",
    "DpelSettings",
    "DryContact",
    "EnchargeAggregate",
    "EnchargeBattery",
    "EndpointStatus",
    "EnergyReading",
    "Enpower",
    "Feature",
    "FeatureNotAvailable",
    "Features",
    "Gateway",
    "GatewayData",
    "Generator",
    "GeneratorState",
    "GridEnergy",
    "GridEnergyTotals",
    "GridProfile",
    "GridProfileOption",
    "HomeInfo",
    "HttpStatusError",
    "IQGatewayError",
    "InstallerRoleRequired",
    "InvalidCredentials",
    "InvalidResponse",
    "InvalidState",
    "Inverter",
    "LiveData",
    "LiveMeter",
    "LivePhasePower",
    "LivePower",
    "MeasurementType",
    "MeterReading",
    "MeterStream",
    "MfaRequired",
    "NetworkInterface",
    "PhaseValues",
    "QRelay",
    "StaleError",
    "StorageMode",
    "StorageSettings",
    "StreamFrame",
    "StreamRoleError",
    "StreamStats",
    "TokenExpired",
    "UnsupportedFirmware",
    "__version__",
]
