"""Answers built straight from a capture folder, without HTTP: the simulator's replay lookup, as Answers.

Paths map to file names by the rules of ENVOY-API.md "Captures" (iqgateway.simulator.replay); status and
content type come from `<file>_log.json`; a missing file answers 404 like the device did.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from iqgateway.answer import Answer
from iqgateway.simulator.replay import ReplaySource

FETCHED_AT = 1_700_000_000.0


def _answer(source: ReplaySource, path_with_query: str) -> Answer:
    path, _, query = path_with_query.partition("?")
    reply = source.lookup(path, query)
    return Answer(path=path_with_query, status=reply.status, body=reply.body, content_type=reply.content_type,
                  fetched_at=FETCHED_AT)


def capture_answer(capture: Path, path_with_query: str) -> Answer:
    return _answer(ReplaySource(capture), path_with_query)


def capture_answers(capture: Path, paths: Iterable[str]) -> dict[str, Answer]:
    source = ReplaySource(capture)
    return {path: _answer(source, path) for path in paths}
