"""The last good answer of every endpoint and how fresh it is; the probe's answers awaiting the first update.

An answer is kept only when it is usable (`assemble.check_answer`); a failed one leaves the last good
answer in place and marks the endpoint stale with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .answer import Answer
from .assemble import check_answer
from .endpoints import shape_free_paths
from .errors import InvalidResponse, IQGatewayError
from .models import EndpointStatus

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

# The probe's answers serve as the first update's data when that update follows within this time.
PROBE_REUSE_S = 30.0
# A fresh answer that lost numeric fields the last good one had (renamed keys, numbers sent as text or null)
# is taken for a glitch until the new shape has come this many times in a row: then the device changed.
SHAPE_PERSIST = 3
_SHAPE_FREE = shape_free_paths()


def run_parser(call: Callable[[], T], *, host: str, path: str | None) -> T:
    """Run a parser; a parser bug becomes a typed error naming the endpoint instead of a raw exception."""
    try:
        return call()
    except IQGatewayError:
        raise
    except Exception:
        _LOGGER.debug("parser failed on %s", path, exc_info=True)
        raise InvalidResponse("could not read the answer: it is not in a shape the parser knows "
                              "(the debug log has the details)",
                              host=host, endpoint=path) from None


@dataclass(slots=True)
class _PathState:
    last_good_at: float | None = None
    error: str | None = None
    shape: frozenset[str] | None = None  # numeric fields of the last good answer
    new_shape: frozenset[str] | None = None  # a smaller shape seen since, and how often in a row
    new_shape_seen: int = 0


def numeric_fields(doc: object, prefix: str = "") -> frozenset[str]:
    """The key paths that hold a number (list positions and all-digit keys, the device ids that key
    `/ivp/pdm/device_data`, folded into `*`: a device that leaves is not a field that drifted)."""
    found: set[str] = set()
    _numeric_fields([doc], prefix, found)
    return frozenset(found)


def _numeric_fields(nodes: list[object], path: str, found: set[str]) -> None:
    """Every node of `nodes` sits at `path`: their children are walked together, one path per key."""
    numeric: set[str] = set()
    children: dict[str, list[object]] = {}
    items: list[object] = []
    for node in nodes:
        if isinstance(node, dict):
            for key, value in node.items():
                name = "*" if key.isdigit() else key
                value_kind = type(value)
                if value_kind is int or value_kind is float:
                    numeric.add(name)
                elif value_kind is not str and value_kind is not bool and value is not None:
                    children.setdefault(name, []).append(value)  # a container (or an odd number type)
        elif isinstance(node, list):
            items.extend(node)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            found.add(path)
    found.update(f"{path}/{key}" for key in numeric)
    for key, values in children.items():
        _numeric_fields(values, f"{path}/{key}", found)
    if items:
        _numeric_fields(items, f"{path}/*", found)


def _status(path: str, state: _PathState, now: float) -> EndpointStatus:
    age = None if state.last_good_at is None else max(0.0, now - state.last_good_at)
    return EndpointStatus(path=path, fetched_at=state.last_good_at, age_s=age, stale=state.error is not None,
                          error=state.error)


class AnswerCache:
    """Per endpoint path: the last usable answer, when it came, and the last failure since."""

    def __init__(self, host: str) -> None:
        self._host = host
        self._good: dict[str, Answer] = {}
        self._states: dict[str, _PathState] = {}
        self._from_probe: dict[str, Answer] = {}

    def clear(self) -> None:
        self._good.clear()
        self._states.clear()
        self._from_probe.clear()

    # ------------------------------------------------------------------ the probe's answers

    def keep_probe_answers(self, answers: Mapping[str, Answer], paths: Iterable[str]) -> None:
        """The probe's answers of `paths`, for the first update to use instead of asking again."""
        self._from_probe = {path: answers[path] for path in paths if path in answers}

    def probe_answer(self, path: str, now: float) -> Answer | None:
        """The probe's answer of `path` if it is recent enough to stand in for this update (used once)."""
        answer = self._from_probe.pop(path, None)
        if answer is not None and now - answer.fetched_at > PROBE_REUSE_S:
            return None
        return answer

    def drop_probe_answers(self) -> None:
        self._from_probe.clear()

    # ------------------------------------------------------------------ answers of updates

    def record(self, path: str, answer: Answer) -> IQGatewayError | None:
        """Keep `answer` if it is usable; else keep the last good one and return why not.

        An answer whose body equals the last good one's takes over its decoded and parsed parts."""
        answer = answer.same_body_as(self._good.get(path))
        try:
            problem = run_parser(lambda: check_answer(path, answer, host=self._host), host=self._host, path=path)
        except IQGatewayError as err:
            problem = err
        state = self._states.setdefault(path, _PathState())
        if problem is None and path not in _SHAPE_FREE:
            problem = self._shape_problem(path, answer, state)
        if problem is None:
            self._good[path] = answer
            state.last_good_at = answer.fetched_at
            state.error = None
        else:
            state.error = problem.message
            _LOGGER.debug("%s %s: keeping the last good answer: %s", self._host, path, problem.message)
        return problem

    def _shape_problem(self, path: str, answer: Answer, state: _PathState) -> IQGatewayError | None:
        """A usable answer that lost numeric fields of the last good one is held back (see SHAPE_PERSIST)."""
        shape = answer.parsed.part(answer.body, numeric_fields)
        lost = state.shape - shape if state.shape is not None else frozenset()
        if not lost:
            state.shape, state.new_shape, state.new_shape_seen = shape, None, 0
            return None
        state.new_shape_seen = state.new_shape_seen + 1 if shape == state.new_shape else 1
        state.new_shape = shape
        if state.new_shape_seen >= SHAPE_PERSIST:
            _LOGGER.info("%s %s: the answer's shape changed for good (%d fields gone)", self._host, path, len(lost))
            state.shape, state.new_shape, state.new_shape_seen = shape, None, 0
            return None
        example = sorted(lost)[0].lstrip("/")
        return InvalidResponse(f"answered JSON that is not the expected document: {len(lost)} numeric field(s) of "
                               f"the last good answer are missing or not numbers (e.g. {example})",
                               host=self._host, endpoint=path)

    def skipped(self, path: str, why: str) -> None:
        """`path` was not asked this round: its last good answer stays, marked stale."""
        self._states.setdefault(path, _PathState()).error = why

    def good(self) -> dict[str, Answer]:
        """The last good answer of each path (a copy)."""
        return dict(self._good)

    def good_answer(self, path: str) -> Answer | None:
        return self._good.get(path)

    def statuses(self, now: float) -> dict[str, EndpointStatus]:
        return {path: _status(path, state, now) for path, state in self._states.items()}

    def status(self, path: str, now: float) -> EndpointStatus | None:
        state = self._states.get(path)
        return None if state is None else _status(path, state, now)
