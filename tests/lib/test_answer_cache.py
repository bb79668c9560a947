"""A fresh answer that lost numeric fields is held back as a glitch until its new shape persists."""

from __future__ import annotations

import orjson

from iqgateway.answer import Answer
from iqgateway.answer_cache import SHAPE_PERSIST, AnswerCache, numeric_fields

PATH = "/ivp/ss/pel_settings"  # any endpoint without a document-specific check


def answer(doc: object, at: float) -> Answer:
    return Answer(PATH, 200, orjson.dumps(doc), "application/json", at)


def test_numeric_fields_fold_list_positions() -> None:
    doc = {"a": 1, "b": {"c": 2.5, "d": "x"}, "e": [{"f": 1}, {"f": None}], "g": True}
    assert numeric_fields(doc) == frozenset({"/a", "/b/c", "/e/*/f"})


def test_device_id_keys_fold_like_list_positions() -> None:
    doc = {"553648384": {"sn": "A", "watts": 5}, "553648640": {"sn": "B", "watts": 7, "temp": 30}, "deviceCount": 2}
    assert numeric_fields(doc) == frozenset({"/*/watts", "/*/temp", "/deviceCount"})


def test_a_device_that_leaves_an_id_keyed_list_is_not_a_drift() -> None:
    cache = AnswerCache("192.0.2.1")
    two = {"553648384": {"watts": 5, "temp": 30}, "553648640": {"watts": 7, "temp": 31}}
    assert cache.record(PATH, answer(two, 1.0)) is None
    one = answer({"553648384": {"watts": 6, "temp": 30}}, 2.0)
    assert cache.record(PATH, one) is None
    assert cache.good_answer(PATH) is one
    drifted = {"553648384": {"watts": "6", "temp": 30}}  # a field of every device turned to text: still held
    problem = cache.record(PATH, answer(drifted, 3.0))
    assert problem is not None
    assert "watts" in problem.message
    assert cache.good_answer(PATH) is one


def test_lost_fields_are_held_until_the_new_shape_persists() -> None:
    cache = AnswerCache("192.0.2.1")
    good = answer({"soc": 50, "power": 1200}, 1.0)
    assert cache.record(PATH, good) is None
    shrunk = {"soc": "50", "power": 1200}  # a number sent as text
    for turn in range(1, SHAPE_PERSIST):
        problem = cache.record(PATH, answer(shrunk, 1.0 + turn))
        assert problem is not None
        assert problem.endpoint == PATH
        assert "soc" in problem.message
        assert cache.good_answer(PATH) is good
        status = cache.statuses(10.0)[PATH]
        assert status.stale
        assert status.fetched_at == 1.0
    last = answer(shrunk, 9.0)
    assert cache.record(PATH, last) is None  # the device really changed
    assert cache.good_answer(PATH) is last


def test_a_glitch_between_good_answers_starts_over() -> None:
    cache = AnswerCache("192.0.2.1")
    assert cache.record(PATH, answer({"soc": 50}, 1.0)) is None
    assert cache.record(PATH, answer({"soc": None}, 2.0)) is not None
    assert cache.record(PATH, answer({"soc": 51}, 3.0)) is None
    for turn in range(SHAPE_PERSIST - 1):
        assert cache.record(PATH, answer({"soc_v2": 52}, 4.0 + turn)) is not None
    more = answer({"soc": 52, "extra": 1}, 9.0)  # gaining fields is never suspect
    assert cache.record(PATH, more) is None
