"""Enpower relays: state from `/ivp/ensemble/dry_contacts`, settings from `/ivp/ss/dry_contact_settings`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..answer import Answer
from ..models import DryContact, Feature
from .ensemble import ENPOWER_TYPE, listed_devices
from .family import NOTHING, Discovered, EndpointFamily
from .values import JsonDict, answer_json, bool_at, dicts, mapping, num_at, str_at, strings

DRY_CONTACTS = "/ivp/ensemble/dry_contacts"
DRY_CONTACT_SETTINGS = "/ivp/ss/dry_contact_settings"


def relays_by_id(doc: object) -> dict[str, JsonDict] | None:
    """`dry_contacts[]` of either document keyed by relay id; None if the document has no such list."""
    root = mapping(doc)
    if root is None or not isinstance(root.get("dry_contacts"), list):
        return None
    found: dict[str, JsonDict] = {}
    for entry in dicts(root.get("dry_contacts")):
        relay_id = str_at(entry, "id")
        if relay_id:
            found[relay_id] = entry
    return found


def parse_dry_contacts(status_doc: object, settings_doc: object) -> dict[str, DryContact] | None:
    states = relays_by_id(status_doc)
    settings = relays_by_id(settings_doc) or {}
    if states is None:
        return None
    relays: dict[str, DryContact] = {}
    for relay_id, state in states.items():
        conf = settings.get(relay_id)
        if conf is None:
            relays[relay_id] = DryContact(id=relay_id, status=str_at(state, "status"))
            continue
        relays[relay_id] = DryContact(
            id=relay_id,
            status=str_at(state, "status"),
            type=str_at(conf, "type"),
            load_name=str_at(conf, "load_name"),
            mode=str_at(conf, "mode"),
            grid_action=str_at(conf, "grid_action"),
            micro_grid_action=str_at(conf, "micro_grid_action"),
            generator_action=str_at(conf, "gen_action"),
            soc_low=num_at(conf, "soc_low"),
            soc_high=num_at(conf, "soc_high"),
            override=bool_at(conf, "override"),
            manual_override=bool_at(conf, "manual_override"),
            priority=num_at(conf, "priority"),
            black_start=num_at(conf, "black_s_start"),
            essential_start_time=num_at(conf, "essential_start_time"),
            essential_end_time=num_at(conf, "essential_end_time"),
            pv_serial_nb=strings(conf.get("pv_serial_nb")),
            settings_raw=conf,
        )
    return relays


def _usable(answer: Answer) -> bool:
    return answer.part(relays_by_id) is not None


def _discover(answers: Mapping[str, Answer]) -> Discovered:
    """The relays of an IQ System Controller (Enpower) the ensemble inventory lists."""
    groups = listed_devices(answers)
    if groups is None or not groups.get(ENPOWER_TYPE):
        return NOTHING
    if relays_by_id(answer_json(answers.get(DRY_CONTACTS))) is None:
        return NOTHING
    settings = relays_by_id(answer_json(answers.get(DRY_CONTACT_SETTINGS))) is not None
    return Discovered(endpoints=(DRY_CONTACTS, *((DRY_CONTACT_SETTINGS,) if settings else ())),
                      features=frozenset({Feature.DRY_CONTACTS}))


FAMILY = EndpointFamily(
    name="dry_contacts",
    paths=(DRY_CONTACTS, DRY_CONTACT_SETTINGS),
    intervals=((DRY_CONTACTS, 300.0), (DRY_CONTACT_SETTINGS, 3600.0)),
    usable=MappingProxyType({DRY_CONTACTS: _usable, DRY_CONTACT_SETTINGS: _usable}),
    discover=_discover,
)
