"""The SSE parser on split, bursty and oddly terminated input; frame parsing of good and bad documents."""

from __future__ import annotations

import pytest

from iqgateway import InvalidResponse
from iqgateway.frames import parse_frame
from iqgateway.sse import SseError, SseParser

FRAME = b'data: {"production":{"ph-a":{"p":1.5,"q":2,"s":3,"v":230.1,"i":0.5,"pf":0.9,"f":50}}}\n\n'


def test_a_frame_split_anywhere_comes_out_once_complete() -> None:
    for cut in range(1, len(FRAME)):
        parser = SseParser()
        assert parser.feed(FRAME[:cut]) == []
        events = parser.feed(FRAME[cut:])
        assert [e.data for e in events] == [FRAME[6:-2].decode()]


def test_a_burst_gives_every_event_in_order() -> None:
    burst = b"".join(f"data: {n}\n\n".encode() for n in range(7))
    assert [e.data for e in SseParser().feed(burst)] == [str(n) for n in range(7)]


def test_crlf_cr_comments_multiline_data_and_event_names() -> None:
    parser = SseParser()
    events = parser.feed(b"\xef\xbb\xbf: hello\r\ndata: a\r\ndata: b\r\n\r")
    events += parser.feed(b"\nevent: meter\rid: 7\rdata:c\r\r")
    assert [(e.data, e.event, e.id) for e in events] == [("a\nb", "message", None), ("c", "meter", "7")]


def test_a_line_without_end_is_bounded() -> None:
    parser = SseParser(max_line=64)
    with pytest.raises(SseError, match="64 bytes"):
        parser.feed(b"data: " + b"x" * 100)


def test_frame_values_keep_units_and_missing_values_are_none() -> None:
    doc = {"production": {"ph-a": {"p": 1.5, "q": "2", "s": True, "v": 230.1}, "ph-b": "junk"},
           "net-consumption": {"ph-a": {"p": -3}}}
    frame = parse_frame(doc, seq=4, received_at=10.0, host="h")
    assert frame.production is not None
    assert frame.production.a is not None
    assert (frame.production.a.p_w, frame.production.a.q_var, frame.production.a.s_va) == (1.5, None, None)
    assert frame.production.a.v_v == 230.1
    assert frame.production.b is None
    assert frame.net_consumption is not None
    assert frame.net_consumption.total_p_w() == -3
    assert frame.total_consumption is None
    assert frame.as_sent()["production"]["ph-a"]["q"] == "2"
    assert frame.as_sent()["seq"] == 4


@pytest.mark.parametrize(("doc", "problem"), [([1, 2], "a list, not a JSON object"),
                                              ({"storage": {}}, "no production or consumption channel")])
def test_a_document_that_is_no_frame_is_a_typed_error_naming_host_and_endpoint(doc: object, problem: str) -> None:
    with pytest.raises(InvalidResponse, match=problem) as caught:
        parse_frame(doc, seq=0, received_at=0.0, host="192.0.2.1")
    assert caught.value.host == "192.0.2.1"
    assert caught.value.endpoint == "/stream/meter"
