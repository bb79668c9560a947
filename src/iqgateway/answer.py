"""One endpoint's answer as the transport got it: the hand-over between fetching and parsing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

import orjson

from .errors import IQGatewayError

T = TypeVar("T")
P = TypeVar("P")
U = TypeVar("U")

_UNDECODED = object()


class Parsed:
    """What was read from one body: its decoded JSON and each parser's result, each computed once.

    An answer whose body equals the previous one's takes over the previous Parsed (`Answer.same_body_as`),
    so an unchanged document is neither decoded nor parsed again. Parsers are pure and their results are
    never mutated, so sharing them between snapshots is safe.
    """

    __slots__ = ("_doc", "_error", "_joins", "_parts")

    def __init__(self) -> None:
        self._doc: object = _UNDECODED
        self._error: ValueError | None = None
        self._parts: dict[Callable[[object], object], object] = {}
        # per (parser, join): the other part it was last joined with, and the result
        self._joins: dict[tuple[object, object], tuple[object, object]] = {}

    def doc(self, body: bytes) -> object:
        """The decoded body; raises ValueError when it is empty or not JSON (every time it is asked)."""
        if self._doc is _UNDECODED and self._error is None:
            try:
                if not body or not body.strip():
                    raise ValueError("empty body")
                self._doc = orjson.loads(body)
            except ValueError as err:
                self._error = err
        if self._error is not None:
            raise self._error
        return self._doc

    def part(self, body: bytes, parser: Callable[[object], T]) -> T:
        """`parser(decoded body)`, computed on the first call only."""
        key = cast("Callable[[object], object]", parser)
        try:
            return cast("T", self._parts[key])
        except KeyError:
            value = parser(self.doc(body))
            self._parts[key] = value
            return value

    def joined(self, body: bytes, parser: Callable[[object], P], other: U, join: Callable[[P, U], T]) -> T:
        """`join(parser's part, other)`, computed again only when `other` is not equal to the last one."""
        key = (parser, join)
        last = self._joins.get(key)
        if last is not None and (last[0] is other or last[0] == other):
            return cast("T", last[1])
        value = join(self.part(body, parser), other)
        self._joins[key] = (other, value)
        return value


@dataclass(frozen=True, slots=True)
class Answer:
    """What one request to the device gave.

    `error` is set when there was no usable HTTP answer (timeout, reset, auth failure, retries
    spent); then `status` is 0 and `body` is empty. A 404/401 on an optional endpoint is an
    answer with that status, not an error: the parsers decide what it means.
    """

    path: str  # request path with its query, e.g. "/production.json?details=1"
    status: int
    body: bytes
    content_type: str
    fetched_at: float  # epoch seconds
    error: IQGatewayError | None = None
    parsed: Parsed = field(default_factory=Parsed, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    def json(self) -> object | None:
        """The decoded JSON of a successful answer; None for a failed, non-2xx, empty or non-JSON answer."""
        if not self.ok:
            return None
        try:
            return self.parsed.doc(self.body)
        except ValueError:
            return None

    def part(self, parser: Callable[[object], T]) -> T | None:
        """`parser(decoded JSON)` once per body; None when the answer holds no JSON."""
        if not self.ok:
            return None
        try:
            return self.parsed.part(self.body, parser)
        except ValueError:
            return None

    def same_body_as(self, previous: Answer | None) -> Answer:
        """This answer reading what `previous` already decoded and parsed, when the bodies are equal."""
        if previous is None or previous.parsed is self.parsed or previous.body != self.body:
            return self
        return Answer(self.path, self.status, self.body, self.content_type, self.fetched_at, self.error,
                      previous.parsed)


class ParsedDocs(Mapping[str, object]):
    """Decoded answers by path (a read-only mapping), whose parsers' results are kept with each answer."""

    __slots__ = ("_answers", "_decoded")

    def __init__(self, answers: Mapping[str, Answer]) -> None:
        self._answers: dict[str, Answer] = {}
        self._decoded: dict[str, object] = {}
        for path, answer in answers.items():
            doc = answer.json()
            if doc is not None:
                self._answers[path] = answer
                self._decoded[path] = doc

    def __getitem__(self, path: str) -> object:
        return self._decoded[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded)

    def __len__(self) -> int:
        return len(self._decoded)

    def part(self, path: str | None, parser: Callable[[object], T]) -> T:
        """`parser(self.get(path))`, computed once per answer body."""
        answer = self._answers.get(path) if path is not None else None
        if answer is None:
            return parser(None)
        return answer.parsed.part(answer.body, parser)

    def joined(self, path: str | None, parser: Callable[[object], P], other: U, join: Callable[[P, U], T]) -> T:
        """`join(self.part(path, parser), other)`, kept with the answer while `other` stays equal: a part
        made of two answers (an inverter list and its health flags) is built once per pair of bodies."""
        answer = self._answers.get(path) if path is not None else None
        if answer is None:
            return join(parser(None), other)
        return answer.parsed.joined(answer.body, parser, other, join)


def part_of(docs: Mapping[str, object], path: str | None, parser: Callable[[object], T]) -> T:
    """`parser(docs.get(path))`; kept with the answer when `docs` are a snapshot's ParsedDocs."""
    if isinstance(docs, ParsedDocs):
        return docs.part(path, parser)
    return parser(docs.get(path) if path is not None else None)
