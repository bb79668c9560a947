"""Corrections of known firmware faults, decided from the data and recorded in the snapshot.

`apply.apply_corrections` runs once when a snapshot is assembled; every value it changes leaves a
`record.Correction` in `GatewayData.corrections` (docs/snapshot.md, "Corrections"). This package's
`__init__` imports nothing from the models: `models` imports `record` from here.
"""

from .record import Correction, CorrectionKind

__all__ = ["Correction", "CorrectionKind"]
