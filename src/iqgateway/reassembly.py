"""The good answers -> the guarded snapshot: assembled, CT-advanced lifetimes, installer flags, corrections,
energy guard.

These are functions of the good answers (and of the time of the newest one), so an update that brought no
new answer gets the last snapshot with the endpoints' new statuses (their ages and failures) and nothing is
parsed, copied or judged again. The daily figures are fed by the Gateway every update (they follow the clock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from .answer import Answer
from .answer_cache import run_parser
from .assemble import assemble
from .corrections.apply import apply_daily_corrections
from .ct_energy import CtEnergy, document_time
from .freshness import newest_answer, parts_updated_at
from .gateway_installer import installer_fields
from .guards import EnergyGuard
from .models import DeviceInfo, EndpointStatus, Features, GatewayData


@dataclass(frozen=True, slots=True)
class Basis:
    """What an assembly reads besides the answers: identity, features and where live power comes from."""

    info: DeviceInfo
    features: Features
    power_path: str | None
    ct_counters: bool = False  # the CT readings' counters advance the lifetimes (ct_energy.py)


@dataclass(slots=True)
class LastAssembly:
    """What the last full assembly was made from, and the guarded snapshot it gave (before daily figures)."""

    answers: tuple[tuple[str, Answer], ...] = ()
    basis: Basis | None = None
    data: GatewayData | None = None

    def reuse(self, answers: Mapping[str, Answer], basis: Basis,
              statuses: Mapping[str, EndpointStatus]) -> GatewayData | None:
        """The last snapshot with `statuses`, if it was made from these very answers on this basis."""
        last, before = self.data, self.basis
        if last is None or before is None or len(answers) != len(self.answers):
            return None
        if (basis.info is not before.info or basis.features is not before.features
                or basis.power_path != before.power_path or basis.ct_counters != before.ct_counters):
            return None
        for path, answer in self.answers:
            if answers.get(path) is not answer:
                return None
        return dataclasses.replace(last, endpoints=dict(statuses))

    def keep(self, answers: Mapping[str, Answer], basis: Basis, data: GatewayData) -> None:
        self.answers, self.basis, self.data = tuple(answers.items()), basis, data


class Assembler:
    """One Gateway's way from answers to snapshots, with what it keeps between updates (mutable; not shared)."""

    def __init__(self, host: str, tz: tzinfo | None) -> None:
        self._host = host
        self.guard = EnergyGuard(tz=tz)
        self._last = LastAssembly()
        self._ct_energy = CtEnergy()

    def snapshot(self, basis: Basis, answers: Mapping[str, Answer], statuses: Mapping[str, EndpointStatus],
                 now: float) -> GatewayData:
        """The guarded snapshot of `answers` (raises the typed error of an unusable production source)."""
        reused = self._last.reuse(answers, basis, statuses)
        if reused is not None:
            return reused
        source, stamp = basis.features.production_source, newest_answer(statuses)
        data = run_parser(lambda: assemble(basis.info, basis.features, answers, host=self._host, statuses=statuses,
                                           now=now if stamp is None else stamp), host=self._host, path=source)
        changes: dict[str, Any] = (self._ct_energy.changes(data, document_time(answers)) if basis.ct_counters
                                   else {})
        data = dataclasses.replace(data, **changes, **installer_fields(answers),
                                   parts_updated_at=parts_updated_at(basis.features, statuses, basis.power_path))
        data = run_parser(lambda: apply_daily_corrections(self.guard.apply(data)), host=self._host, path=source)
        self._last.keep(answers, basis, data)
        return data
