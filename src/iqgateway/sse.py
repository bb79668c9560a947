"""An incremental server-sent-events parser: bytes as they arrive in, complete events out.

Chunks may split a line (or a UTF-8 character) anywhere, and one chunk may carry many events (a burst
after a stall); `feed()` returns every event the bytes so far complete, in order, each once. Lines end in
LF, CRLF or CR; `data:` lines of one event are joined with LF; an empty line ends an event; lines starting
with ":" are comments. A line longer than `max_line` bytes raises SseError (a device sending no newline
would otherwise grow the buffer without bound).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LINE_BYTES = 1024 * 1024


class SseError(ValueError):
    """The byte stream is not server-sent events."""


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One dispatched event."""

    data: str
    event: str = "message"
    id: str | None = None


class SseParser:
    """Feed it chunks; it keeps the partial line and the event being built between calls."""

    def __init__(self, *, max_line: int = MAX_LINE_BYTES) -> None:
        self._max_line = max_line
        self._buffer = b""
        self._pending_cr = False
        self._first_line = True
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by `chunk` (possibly none)."""
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._pending_cr = False
        data = self._buffer + chunk
        events: list[SseEvent] = []
        start = 0
        size = len(data)
        while start < size:
            lf = data.find(b"\n", start)
            cr = data.find(b"\r", start, lf if lf >= 0 else size)
            if cr >= 0:
                end, next_start = cr, cr + 1
                if next_start < size and data[next_start : next_start + 1] == b"\n":
                    next_start += 1
                elif next_start == size:
                    self._pending_cr = True
            elif lf >= 0:
                end, next_start = lf, lf + 1
            else:
                break
            event = self._line(data[start:end])
            if event is not None:
                events.append(event)
            start = next_start
        self._buffer = data[start:]
        if len(self._buffer) > self._max_line:
            raise SseError(f"a line of over {self._max_line} bytes without an end")
        return events

    def _line(self, raw: bytes) -> SseEvent | None:
        if self._first_line:
            self._first_line = False
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw:
            return self._dispatch()
        if raw.startswith(b":"):
            return None
        name, colon, value = raw.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        text = value.decode("utf-8", errors="replace")
        field = name.decode("utf-8", errors="replace")
        if field == "data":
            self._data.append(text)
        elif field == "event":
            self._event = text
        elif field == "id" and "\0" not in text:
            self._id = text
        return None

    def _dispatch(self) -> SseEvent | None:
        if self._id is not None:
            self._last_id = self._id
        data, event = self._data, self._event
        self._data, self._event, self._id = [], "", None
        if not data:
            return None
        return SseEvent(data="\n".join(data), event=event or "message", id=self._last_id)
