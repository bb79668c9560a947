"""The family descriptions (endpoints/family.py): what the probe and assemble take from them holds together."""

from __future__ import annotations

import dataclasses

import pytest

from iqgateway.endpoints import FAMILIES
from iqgateway.endpoints.family import NOTHING, EndpointFamily
from iqgateway.info import parse_info
from iqgateway.models import Feature, GatewayData
from iqgateway.probe import probe_paths
from tests.lib.capture_answers import capture_answers
from tests.shared import CAPTURES, capture_names

HOST = "envoy.test"
DISCOVERING = [family for family in FAMILIES if family.discover is not None]


def test_every_part_is_a_snapshot_field_built_by_one_family() -> None:
    fields = {field.name for field in dataclasses.fields(GatewayData)}
    built = [part.name for family in FAMILIES for part in family.parts]
    assert built, "no family describes its part of the snapshot"
    assert set(built) <= fields
    assert len(built) == len(set(built))


@pytest.mark.parametrize("family", [family for family in FAMILIES if family.parts], ids=lambda family: family.name)
def test_a_part_is_read_from_its_own_family_paths(family: EndpointFamily) -> None:
    for part in family.parts:
        assert part.sources
        assert set(part.sources) <= set(family.paths), part.name


@pytest.mark.parametrize("family", DISCOVERING, ids=lambda family: family.name)
def test_a_family_without_answers_discovers_nothing(family: EndpointFamily) -> None:
    assert family.discover is not None
    assert family.discover({}) == NOTHING


@pytest.mark.parametrize("name", capture_names())
def test_a_family_discovers_only_its_own_paths(name: str) -> None:
    capture = CAPTURES / name
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    answers = capture_answers(capture, probe_paths(info))
    for family in DISCOVERING:
        assert family.discover is not None
        found = family.discover(answers)
        assert set(found.endpoints) <= set(family.paths), family.name


def test_the_generator_capture_discovers_its_generator_schedule_and_mode() -> None:
    capture = CAPTURES / "8.3.5169_with_generator"
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    answers = capture_answers(capture, probe_paths(info))
    generator = next(family for family in FAMILIES if family.name == "generator")
    assert generator.discover is not None
    found = generator.discover(answers)
    assert found.features == {Feature.GENERATOR, Feature.GENERATOR_SCHEDULE}
    assert found.endpoints == ("/ivp/ensemble/generator", "/ivp/ss/gen_config", "/ivp/ss/gen_schedule",
                               "/ivp/ss/gen_mode")


def test_a_generator_answering_an_error_is_not_discovered() -> None:
    capture = CAPTURES / "8.3.5169_with_generator"
    info = parse_info((capture / "info").read_bytes(), host=HOST)
    answers = capture_answers(capture, probe_paths(info))
    answers["/ivp/ss/gen_config"] = dataclasses.replace(answers["/ivp/ss/gen_config"], body=b'{"err": "none"}')
    generator = next(family for family in FAMILIES if family.name == "generator")
    assert generator.discover is not None
    assert generator.discover(answers) == NOTHING
