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

from .acb_sleep import MIXED as MIXED_SLEEP
from .acb_sleep import SLEEP_STATES, aggregate_sleep_state, sleep_state
from .auth.enlighten import CloudEndpoints
from .capabilities import Capability, CapabilityName, CapabilityReport, CapabilityState
from .derived import (
    BatteryEnergy,
    DailyEnergy,
    DailyFigures,
    GridEnergy,
    GridEnergyTotals,
    balanced_net_reading,
    battery_power,
)
from .endpoints.home import HomeInfo, NetworkInterface
from .errors import (
    AuthenticationError,
    AuthenticationRequired,
    CapabilityUnavailable,
    CloudError,
    CommunicationError,
    ControlRejected,
    DeviceIdentityError,
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
from .firmware import uses_tokens
from .frames import ChannelValues, PhaseValues, StreamFrame
from .gateway import Gateway
from .live import LivePower
from .models import (
    PHASE_NAMES,
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
from .models_installer import DpelSettings, GridProfile, GridProfileOption, PvLimit, QRelay
from .policy import LoadPolicy
from .schedule import Cadence
from .snapshot import snapshot_dict
from .version import package_version

__version__ = package_version()
from .stream import MeterStream
from .stream_live import apply_frame
from .stream_stats import StreamStats

__all__ = [
    "MIXED_SLEEP",
    "PHASE_NAMES",
    "SLEEP_STATES",
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
    "DeviceIdentityError",
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
    "LoadPolicy",
    "MeasurementType",
    "MeterReading",
    "MeterStream",
    "MfaRequired",
    "NetworkInterface",
    "PhaseValues",
    "PvLimit",
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
    "aggregate_sleep_state",
    "apply_frame",
    "balanced_net_reading",
    "battery_power",
    "sleep_state",
    "snapshot_dict",
    "uses_tokens",
]
