"""Generator: `/ivp/ensemble/generator` (state), `/ivp/ss/gen_config`, `/ivp/ss/gen_schedule`,
`/ivp/ss/gen_mode` (documents kept as sent). `{}` or an `err`/`error` document means no generator."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer, ParsedDocs
from ..models import Feature, Generator, GeneratorState
from .family import NOTHING, Discovered, EndpointFamily, Part
from .values import JsonDict, answer_json, flag, int_at, mapping, num_at, str_at

GENERATOR = "/ivp/ensemble/generator"
GEN_CONFIG = "/ivp/ss/gen_config"
GEN_SCHEDULE = "/ivp/ss/gen_schedule"
GEN_MODE = "/ivp/ss/gen_mode"
GENERATOR_PATHS: tuple[str, ...] = (GENERATOR, GEN_CONFIG, GEN_SCHEDULE, GEN_MODE)


def configured(doc: object) -> JsonDict | None:
    """The document if it describes something (not empty, not an error answer)."""
    root = mapping(doc)
    if not root or "err" in root or "error" in root:
        return None
    return root


def parse_generator_state(doc: object) -> GeneratorState | None:
    root = configured(doc)
    if root is None:
        return None
    state = GeneratorState(
        admin_state=str_at(root, "admin_state"),
        oper_state=str_at(root, "oper_state"),
        admin_mode=int_at(root, "admin_mode"),
        schedule=int_at(root, "schedule"),
        start_soc=num_at(root, "start_soc"),
        stop_soc=num_at(root, "stop_soc"),
        exc_on=int_at(root, "exc_on"),
        present=flag(root.get("present")),
        type=int_at(root, "type"),
    )
    if state.admin_state is None and state.oper_state is None and state.present is None:
        return None
    return state


def parse_generator(state_doc: object, config_doc: object, schedule_doc: object,
                    mode_doc: object) -> Generator | None:
    """A Generator when one is configured (`gen_config` describes it); None otherwise."""
    config = configured(config_doc)
    if config is None:
        return None
    return Generator(
        state=parse_generator_state(state_doc),
        config=config,
        schedule=configured(schedule_doc),
        mode=configured(mode_doc),
    )


def _usable(answer: Answer) -> bool:
    return answer.part(mapping) is not None


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    """A generator when `gen_config` describes one; its state, schedule and mode where they answer."""
    if configured(answer_json(answers.get(GEN_CONFIG))) is None:
        return NOTHING
    features = {Feature.GENERATOR}
    endpoints = [GENERATOR] if parse_generator_state(answer_json(answers.get(GENERATOR))) is not None else []
    endpoints.append(GEN_CONFIG)
    if configured(answer_json(answers.get(GEN_SCHEDULE))) is not None:
        features.add(Feature.GENERATOR_SCHEDULE)
        endpoints.append(GEN_SCHEDULE)
    if configured(answer_json(answers.get(GEN_MODE))) is not None:
        endpoints.append(GEN_MODE)
    return Discovered(endpoints=tuple(endpoints), features=frozenset(features))


def _part(docs: ParsedDocs) -> Generator | None:
    return parse_generator(docs.get(GENERATOR), docs.get(GEN_CONFIG), docs.get(GEN_SCHEDULE), docs.get(GEN_MODE))


FAMILY = EndpointFamily(
    name="generator",
    paths=GENERATOR_PATHS,
    intervals=((GENERATOR, 300.0), (GEN_CONFIG, 3600.0), (GEN_SCHEDULE, 3600.0), (GEN_MODE, 3600.0)),
    usable=MappingProxyType(dict.fromkeys(GENERATOR_PATHS, _usable)),
    discover=_discover,
    parts=(Part("generator", _part, sources=GENERATOR_PATHS),),
)
