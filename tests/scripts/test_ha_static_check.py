"""scripts/ha_static_check.py against a tiny fake Home Assistant wheel: it finds what is missing or deprecated."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ha_static_check.py"

FAKE_HA = {
    "homeassistant/__init__.py": "",
    "homeassistant/const.py": """
from functools import partial
from .helpers.deprecation import DeprecatedConstant, check_if_deprecated_constant
CONF_HOST = "host"
_DEPRECATED_CONF_OLD = DeprecatedConstant("old", "CONF_NEW", "2027.1")
__getattr__ = partial(check_if_deprecated_constant, module_globals=globals())
""",
    "homeassistant/helpers/__init__.py": "",
    "homeassistant/helpers/deprecation.py": """
def deprecated_function(replacement): ...
class DeprecatedConstant: ...
def check_if_deprecated_constant(name, module_globals): ...
""",
    "homeassistant/helpers/frame.py": "def report_usage(what, **kwargs): ...\n",
    "homeassistant/helpers/device_registry.py": """
from typing import TypedDict
from .deprecation import deprecated_function
from .frame import report_usage

_DEPRECATED_DEVICE_INFO_PARAMETERS = {"via_device": ("2027.8.0", "via_device_id")}

class DeviceInfo(TypedDict, total=False):
    name: str
    via_device_id: str

class DeviceRegistry:
    def __init__(self):
        self.devices = {}
    def async_get_device(self, identifiers=None):
        report_usage("calls async_get_device, which is deprecated")
        return None
    def async_get_device_by_identifier(self, identifier, config_entry_id):
        if identifier is None:
            report_usage("only this branch is deprecated")
        return None

def async_get(hass) -> DeviceRegistry: ...

@deprecated_function("async_get")
def async_get_registry(hass) -> DeviceRegistry: ...
""",
    "homeassistant/components/__init__.py": "",
    "homeassistant/components/demo/__init__.py": "",
    "homeassistant/components/demo/quality_scale.yaml": "rules:\n  config-flow: done\n  docs-triggers: exempt\n",
    "homeassistant/config_entries.py": """
class OptionsFlow:
    def async_create_entry(self, data): ...
    def _set_confirm_only(self):
        report_usage("calls _set_confirm_only")
class OptionsFlowWithReload(OptionsFlow):
    automatic_reload = True
class ConfigFlow:
    def async_update_reload_and_abort(self, entry):
        if entry.update_listeners:
            report_usage("has an update listener and should use it for scheduling a reload")
        return None
""",
}

CLEAN = """
from homeassistant import config_entries
from homeassistant.config_entries import OptionsFlow
from homeassistant.const import CONF_HOST
from homeassistant.helpers import device_registry as dr

BASE = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)
RELOADS = hasattr(OptionsFlow, "async_create_entry")

def link(hass, entry_id: str) -> None:
    registry = dr.async_get(hass)
    registry.async_get_device_by_identifier(("d", CONF_HOST), entry_id)
    print(registry.devices, dr.DeviceInfo(name="x", via_device_id="1"))

class Flow(OptionsFlow):
    def step(self):
        return self.async_create_entry({})

class Setup(config_entries.ConfigFlow):
    def moved(self, entry):
        return self.async_update_reload_and_abort(entry)
"""

DIRTY = """
from homeassistant.const import CONF_OLD, CONF_GONE
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.config_entries import ConfigFlow, OptionsFlow
from homeassistant.components.nothing import Thing

def link(hass) -> None:
    dr.async_get(hass).async_get_device(identifiers={("d", "1")})
    registry: dr.DeviceRegistry = dr.async_get_registry(hass)
    registry.async_remove_everything()
    info = DeviceInfo(name="x", via_device=("d", "1"))
    info["via_device"] = ("d", "2")

class Flow(OptionsFlow):
    def step(self):
        self._set_confirm_only()

GONE = hasattr(OptionsFlow, "async_vanished")

class Setup(ConfigFlow):
    def moved(self, entry):
        entry.async_on_unload(entry.add_update_listener(print))
        return self.async_update_reload_and_abort(entry)
"""


def fake_wheel(tmp_path: Path) -> Path:
    wheel = tmp_path / "homeassistant-2099.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in FAKE_HA.items():
            archive.writestr(name, text)
    return wheel


def run_check(
    tmp_path: Path, source: str, *args: str, env: dict[str, str] | None = None,
    rules: str = "  config-flow: done\n  docs-triggers:\n    status: exempt\n",
) -> tuple[int, list[str]]:
    integration = tmp_path / "integration"
    integration.mkdir(exist_ok=True)
    (integration / "__init__.py").write_text(source, encoding="utf-8")
    (integration / "quality_scale.yaml").write_text(f"rules:\n{rules}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(integration), *args],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=tmp_path,
    )
    return done.returncode, done.stdout.splitlines()


def test_clean_integration_passes(tmp_path: Path) -> None:
    code, lines = run_check(tmp_path, CLEAN, "--wheel", str(fake_wheel(tmp_path)))
    assert lines[-1].endswith("uses in 1 files; 0 missing, 0 deprecated; quality scale: 0 rules off"), lines
    assert lines[-1].startswith("ha-static-check: homeassistant-2099.1.0-py3-none-any.whl:")
    assert len(lines) == 1
    assert code == 0


def test_missing_and_deprecated_names_fail(tmp_path: Path) -> None:
    code, lines = run_check(tmp_path, DIRTY, "--wheel", str(fake_wheel(tmp_path)))
    assert code == 1
    findings = {line.split(": ", 1)[1] for line in lines[:-1]}
    prefix = "homeassistant."
    assert findings == {
        f"{prefix}const.CONF_OLD: deprecated (DeprecatedConstant (_DEPRECATED_CONF_OLD))",
        f"{prefix}const.CONF_GONE: missing",
        f"{prefix}components.nothing.Thing: missing",
        f"{prefix}helpers.device_registry.DeviceRegistry.async_get_device: deprecated "
        "(reports its own use: 'calls async_get_device, which is deprecated')",
        f"{prefix}helpers.device_registry.async_get_registry: deprecated (decorated @deprecated_function)",
        f"{prefix}helpers.device_registry.DeviceRegistry.async_remove_everything: missing",
        "DeviceInfo(via_device=...): deprecated keyword "
        f"({prefix}helpers.device_registry._DEPRECATED_DEVICE_INFO_PARAMETERS)",
        "[](via_device=...): deprecated keyword "
        f"({prefix}helpers.device_registry._DEPRECATED_DEVICE_INFO_PARAMETERS)",
        f"{prefix}config_entries.OptionsFlow._set_confirm_only: deprecated "
        "(reports its own use: 'calls _set_confirm_only')",
        f"{prefix}config_entries.OptionsFlow.async_vanished: missing",
        f"{prefix}config_entries.ConfigFlow.async_update_reload_and_abort: deprecated while update_listeners "
        "(reports its own use: 'has an update listener and should use it for scheduling a reload')",
    }
    assert lines[-1].endswith("; 4 missing, 7 deprecated; quality scale: 0 rules off")


def test_quality_scale_rules_follow_the_wheel(tmp_path: Path) -> None:
    code, lines = run_check(tmp_path, CLEAN, "--wheel", str(fake_wheel(tmp_path)),
                            rules="  config-flow: done\n  docs-nonsense: done\n")
    assert code == 1
    assert [line.split(": ", 1)[1] for line in lines[:-1]] == [
        "docs-triggers: quality scale rule missing", "docs-nonsense: not a quality scale rule"
    ]
    assert lines[-1].endswith("0 missing, 0 deprecated; quality scale: 2 rules off")


def test_a_conditional_report_is_not_a_deprecation(tmp_path: Path) -> None:
    code, lines = run_check(tmp_path, CLEAN.replace("async_get_device_by_identifier", "async_get_device"),
                            "--wheel", str(fake_wheel(tmp_path)))
    assert code == 1
    assert "DeviceRegistry.async_get_device: deprecated" in lines[0]
    assert lines[-1].endswith("0 missing, 1 deprecated; quality scale: 0 rules off")


def test_skips_with_one_line_when_the_wheel_cannot_be_had(tmp_path: Path) -> None:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    code, lines = run_check(tmp_path, DIRTY, "--version", "2099.1.0", "--cache", str(tmp_path / "cache"), env=env)
    assert code == 0
    assert len(lines) == 1
    assert lines[0].startswith("ha-static-check: SKIPPED, no homeassistant==2099.1.0 wheel to check against")


def test_uses_the_cached_wheel_without_downloading(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    fake_wheel(cache)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}
    code, lines = run_check(tmp_path, DIRTY, "--version", "2099.1.0", "--cache", str(cache), env=env)
    assert code == 1
    assert lines[-1].endswith("; 4 missing, 7 deprecated; quality scale: 0 rules off")
