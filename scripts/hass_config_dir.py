"""The Home Assistant config folder `make run` keeps under .run/: created once, reused after.

Only `configuration.yaml` (while it carries our marker line) and the integration's symlink are
rewritten on each start; everything HA stores (users, entries, history) stays.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "# Written by scripts/run.py (make run)"
DOMAIN = "enphase_envoy"

CONFIGURATION = """{marker}: rewritten on every start while this line is here.
# Delete this line to keep your own edits (then set http: server_port yourself).
homeassistant:
  name: iqgateway demo
  country: US
  currency: USD
  unit_system: metric
  time_zone: UTC
frontend:
config:
history:
logbook:
energy:
system_health:
recorder:
  purge_keep_days: 7
http:
  server_host: {bind}
  server_port: {port}
logger:
  default: warning
  logs:
    custom_components.enphase_envoy: info
    iqgateway: info
"""


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """What the stored config entries mean for this start."""

    existing_entry_id: str | None = None  # an entry for this serial (host/credentials refreshed in place)
    stale_entry_ids: tuple[str, ...] = field(default_factory=tuple)  # entries of another device: removed


def prepare(config_dir: Path, integration_dir: Path, *, port: int, bind: str) -> None:
    """Create the folder on first use; refresh our managed files."""
    (config_dir / "custom_components").mkdir(parents=True, exist_ok=True)
    link = config_dir / "custom_components" / DOMAIN
    if link.is_symlink() and Path(os.readlink(link)) != integration_dir:
        link.unlink()
    if not link.exists() and not link.is_symlink():
        link.symlink_to(integration_dir, target_is_directory=True)
    config = config_dir / "configuration.yaml"
    if not config.exists() or config.read_text(encoding="utf-8").startswith(MARKER):
        config.write_text(CONFIGURATION.format(marker=MARKER, bind=bind, port=port), encoding="utf-8")


def reconcile_entries(config_dir: Path, *, serial: str, entry_data: dict[str, Any]) -> EntryPlan:
    """Point a stored entry for `serial` at this run's device; list entries of other devices.

    Runs while Home Assistant is stopped, on its own storage file: the simulator may listen on
    another port or have minted a new token since the last run.
    """
    path = config_dir / ".storage" / "core.config_entries"
    if not path.is_file():
        return EntryPlan()
    document = json.loads(path.read_text(encoding="utf-8"))
    existing: str | None = None
    stale: list[str] = []
    changed = False
    for entry in document.get("data", {}).get("entries", []):
        if entry.get("domain") != DOMAIN:
            continue
        if entry.get("unique_id") == serial and existing is None:
            existing = str(entry["entry_id"])
            data = dict(entry.get("data") or {})
            updated = {**data, **entry_data}
            if updated != data:
                entry["data"] = updated
                changed = True
        else:
            stale.append(str(entry["entry_id"]))
    if changed:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)
    return EntryPlan(existing, tuple(stale))
