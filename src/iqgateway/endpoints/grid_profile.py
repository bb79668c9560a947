"""Grid profile (installer): `/installer/agf/index.json`; written through `/installer/agf/set_profile.json`."""

from __future__ import annotations

from ..models_installer import GridProfile, GridProfileOption
from .family import EndpointFamily
from .values import JsonDict, dicts, mapping, str_at, string

PATH = "/installer/agf/index.json"
SET_PATH = "/installer/agf/set_profile.json"


def _option(entry: JsonDict) -> GridProfileOption | None:
    profile_id = str_at(entry, "id") or str_at(entry, "profile_id")
    if not profile_id:
        return None
    return GridProfileOption(id=profile_id, name=str_at(entry, "name") or profile_id)


def parse_grid_profile(doc: object) -> GridProfile | None:
    root = mapping(doc)
    if root is None or ("selected_profile" not in root and "profiles" not in root):
        return None
    options = tuple(opt for opt in (_option(entry) for entry in dicts(root.get("profiles"))) if opt is not None)
    selected = root.get("selected_profile")
    selected_map = mapping(selected)
    selected_id = str_at(selected_map, "id") if selected_map is not None else string(selected)
    selected_name = str_at(selected_map, "name") if selected_map is not None else None
    if selected_name is None and selected_id is not None:
        selected_name = next((opt.name for opt in options if opt.id == selected_id), None)
    return GridProfile(selected_id=selected_id or None, selected_name=selected_name, profiles=options)


def set_profile_refusal(doc: object) -> str | None:
    """None when the answer says "accepted"; else the device's message or reason."""
    root = mapping(doc)
    if root is None:
        return "the answer is not a JSON document"
    values = [string(root.get(key)) for key in ("status", "message", "result")]
    if any(value is not None and value.lower() == "accepted" for value in values):
        return None
    return string(root.get("reason")) or string(root.get("message")) or "the device did not say \"accepted\""

# An installer-level setting: it changes rarely, and the Gateway reads it back right after a write.
FAMILY = EndpointFamily(name="grid_profile", intervals=((PATH, 3600.0),))
