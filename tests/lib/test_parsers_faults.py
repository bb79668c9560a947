"""A faulty answer on any one endpoint, during probe and update, of real captures.

A fault on the production source gives a typed error naming it or a correct fallback reading; a fault
on any other endpoint leaves production exactly as in the clean run and only nulls the parts it feeds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from iqgateway.answer import Answer
from iqgateway.assemble import assemble
from iqgateway.endpoints import production
from iqgateway.errors import IQGatewayError
from iqgateway.info import parse_info
from iqgateway.probe import decide_features, probe_paths
from iqgateway.snapshot import snapshot_dict
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES, REFS_PYENPHASE

HOST = "192.0.2.7"
FAULT_CAPTURES = ("5.0.62", "7.6.175_with_cts", "8.1.41", "7.3.466_with_cts_3phase", "8.3.5169_with_generator",
                  "8.2.4382_ACB", "8.3.5169_ACB_inventory", "8.2.4264_metered_noct")
RAW_DOCUMENTS = ("generator.config", "generator.schedule", "generator.mode")  # kept as the device sent them
PRODUCTION_PATHS = {production.PRODUCTION_DETAILS, production.PRODUCTION_HTML_ERA, production.PRODUCTION_V1}
GARBAGE = b"\xff\xfe\x00{\x9c not json \xc3\x28"


def drift(doc: object) -> object:
    if isinstance(doc, dict):
        return {f"{key}_v2": value for key, value in doc.items()}
    if isinstance(doc, list):
        return [dict(list(item.items())[:1]) if isinstance(item, dict) else item for item in doc]
    return doc


def wrong_types(doc: object, counter: list[int]) -> object:
    if isinstance(doc, dict):
        return {key: wrong_types(value, counter) for key, value in doc.items()}
    if isinstance(doc, list):
        return [wrong_types(value, counter) for value in doc]
    if isinstance(doc, int | float) and not isinstance(doc, bool):
        counter[0] += 1
        return json.dumps(doc) if counter[0] % 2 else None
    return doc


def _json_rewrite(change: Callable[[object], object]) -> Callable[[Answer], Answer]:
    def apply(answer: Answer) -> Answer:
        try:
            doc = json.loads(answer.body)
        except ValueError:
            return answer
        return dataclasses.replace(answer, body=json.dumps(change(doc)).encode())
    return apply


FAULTS: dict[str, Callable[[Answer], Answer]] = {
    "truncate": lambda a: dataclasses.replace(a, body=a.body[: len(a.body) // 2]),
    "garbage": lambda a: dataclasses.replace(a, status=200, body=GARBAGE, content_type="application/json"),
    "drift": _json_rewrite(drift),
    "wrongtype": _json_rewrite(lambda doc: wrong_types(doc, [0])),
    "empty": lambda a: dataclasses.replace(a, status=200, body=b""),
    "500": lambda a: dataclasses.replace(a, status=500, body=b"<html>500</html>", content_type="text/html"),
    "401": lambda a: dataclasses.replace(a, status=401, body=b"<html>401</html>", content_type="text/html"),
}


def run(capture: str, faulted: str | None, kind: str | None) -> dict[str, Any]:
    folder = CAPTURES / capture
    info = parse_info((folder / "info").read_bytes(), host=HOST)

    def answers(paths: tuple[str, ...]) -> dict[str, Answer]:
        found = capture_answers(folder, paths)
        if faulted in found and kind is not None:
            found[faulted] = FAULTS[kind](found[faulted])
        return found

    features = decide_features(info, answers(probe_paths(info)), host=HOST)
    data = assemble(info, features, answers(features.endpoints), host=HOST, now=1.0)
    doc = json.loads(json.dumps(snapshot_dict(data)))
    assert isinstance(doc, dict)
    return doc


def flatten(doc: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(doc, list) and any(isinstance(x, dict | list) for x in doc):
        for i, value in enumerate(doc):
            yield from flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, doc


def cases() -> Iterator[tuple[str, str, str]]:
    for capture in FAULT_CAPTURES:
        info = parse_info((CAPTURES / capture / "info").read_bytes(), host=HOST)
        for path in probe_paths(info):
            for kind in FAULTS:
                yield capture, path, kind


def close_to_ref(ref: dict[str, Any], block: str, leaf: str, value: float) -> bool:
    want = (ref.get(block) or {}).get(leaf)
    if want is None:
        return True  # the reference has no such value: nothing to compare with
    if leaf == "watts_now":  # a fallback source answers at another moment
        return bool(abs(value - want) <= max(50.0, 0.2 * abs(want)))
    return bool(abs(value - want) <= max(1.0, 0.005 * abs(want)))


@pytest.fixture(scope="module")
def clean_runs() -> dict[str, dict[str, Any]]:
    return {capture: run(capture, None, None) for capture in FAULT_CAPTURES}


@pytest.mark.parametrize(("capture", "path", "kind"), list(cases()))
def test_one_faulty_endpoint(clean_runs: dict[str, dict[str, Any]], capture: str, path: str, kind: str) -> None:
    clean = clean_runs[capture]
    failure: IQGatewayError | None = None
    try:
        got = run(capture, path, kind)
    except IQGatewayError as err:
        failure = err
    if failure is not None:
        assert path in PRODUCTION_PATHS, f"whole read failed on an optional endpoint: {failure}"
        assert failure.endpoint in PRODUCTION_PATHS
        assert "production" in str(failure)
        return
    if path in PRODUCTION_PATHS:
        ref = json.loads((REFS_PYENPHASE / f"{capture}.json").read_text())
        prod = got["production"]
        assert isinstance(prod, dict)
        assert prod["watts_now"] is not None or prod["wh_lifetime"] is not None
        for block in ("production", "consumption_total", "consumption_net"):
            for leaf in ("watts_now", "wh_today", "wh_last_seven_days", "wh_lifetime"):
                value = (got.get(block) or {}).get(leaf)
                if value is not None:
                    assert close_to_ref(ref, block, leaf, value), (block, leaf, value)
        return
    assert got["production"] == clean["production"] or (
        path.startswith("/ivp/meters") and _same_without_phases(got["production"], clean["production"]))
    clean_flat = dict(flatten(clean))
    skip = ["endpoints", "updated_at", "parts_updated_at", "features", "inverter_source", *RAW_DOCUMENTS]
    if path == "/ivp/pdm/device_data" and kind == "401":
        skip.append("inverters")  # refused: the summary list (other moments, other watts) takes over
    for key, value in flatten(got):
        if key.startswith(tuple(skip)):
            continue
        if value is None or value in ([], {}):
            continue
        if key in clean_flat:
            assert clean_flat[key] == value, (key, value, clean_flat[key])


def _same_without_phases(got: Any, clean: Any) -> bool:
    strip = (lambda d: {k: v for k, v in d.items() if k != "phases"}) if isinstance(clean, dict) else (lambda d: d)
    return isinstance(got, dict) and strip(got) == strip(clean)
