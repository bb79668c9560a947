"""An update that brought no new answer: the last snapshot stands, with the endpoints' new ages.

Assembling, the installer flags, the corrections and the energy guard are functions of the good answers (and
of the time of the newest one), so the same answers give the same snapshot: only the endpoint statuses (their
ages and failures) are new. The daily figures are still fed every update (they follow the clock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .answer import Answer
from .models import DeviceInfo, EndpointStatus, Features, GatewayData


@dataclass(frozen=True, slots=True)
class Basis:
    """What an assembly reads besides the answers: identity, features and where live power comes from."""

    info: DeviceInfo
    features: Features
    power_path: str | None


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
                or basis.power_path != before.power_path):
            return None
        for path, answer in self.answers:
            if answers.get(path) is not answer:
                return None
        return dataclasses.replace(last, endpoints=dict(statuses))

    def keep(self, answers: Mapping[str, Answer], basis: Basis, data: GatewayData) -> None:
        self.answers, self.basis, self.data = tuple(answers.items()), basis, data
