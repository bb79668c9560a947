"""Property tests: the installer-level and health parsers are total over arbitrary and mutated JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iqgateway.endpoints import dpel, grid_profile, inverters, plc, power_mode, q_relays
from tests.lib.test_parsers_hypothesis import json_values, mutated

SHAPES = st.sampled_from([
    {"powerForcedOff": False},
    {"dynamic_pel_settings": {"enable": True, "export_limit": True, "limit_value_W": 0.0, "slew_rate": 10.0,
                              "enable_dynamic_limiting": False}},
    {"selected_profile": "A", "profiles": [{"id": "A", "name": "a"}, {"id": "B"}]},
    {"selected_profile": {"id": "A", "name": "a"}, "profiles": []},
    {"status": "accepted"},
    {"122334455667": 5, "122334455668": 4.0},
    [{"type": "NSRB", "devices": [{"serial_num": "1", "relay": "closed", "communicating": True}]}],
])
documents = json_values | mutated() | SHAPES

PARSERS: list[Callable[[Any], object]] = [
    power_mode.parse_power_forced_off,
    dpel.parse_dpel,
    lambda d: dpel.dpel_payload(dpel.settings_doc(d), enabled=True, export_limit=None, limit_w=1.0, slew_rate=None),
    grid_profile.parse_grid_profile,
    grid_profile.set_profile_refusal,
    plc.parse_plc_levels,
    q_relays.parse_q_relays,
    inverters.inventory_flags,
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_installer_parsers_are_total(doc: Any) -> None:
    for parser in PARSERS:
        parser(doc)  # must not raise


@settings(max_examples=200, deadline=None)
@given(settings_doc=st.dictionaries(st.sampled_from(["enable", "export_limit", "limit_value_W", "slew_rate", "x"]),
                                    json_values, max_size=5),
       limit=st.none() | st.floats(min_value=0, max_value=1e6), slew=st.none() | st.floats(min_value=0, max_value=100))
def test_dpel_payload_changes_only_what_was_asked(settings_doc: dict[str, Any], limit: float | None,
                                                  slew: float | None) -> None:
    body = dpel.dpel_payload(settings_doc, enabled=False, export_limit=None, limit_w=limit, slew_rate=slew)
    sent = body["dynamic_pel_settings"]
    asked = {"enable": False} | ({"limit_value_W": limit} if limit is not None else {}) | (
        {"slew_rate": slew} if slew is not None else {})
    assert sent == {**settings_doc, **asked}
    assert (body["filename"], body["version"]) == ("site_settings", "00.00.01")
