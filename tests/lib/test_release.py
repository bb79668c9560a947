"""The release: one version everywhere, lean library dependencies, the console script, the workflows."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
import textwrap
import tomllib
import types
from importlib.metadata import PackageNotFoundError, packages_distributions, requires, version
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

import iqgateway
from iqgateway.cli_entry import main as entry_main
from tests.shared import REPO

PYPROJECT: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
MANIFEST = json.loads((REPO / "custom_components" / "enphase_envoy" / "manifest.json").read_text())
WORKFLOWS = REPO / ".github" / "workflows"


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name.lower() for r in requirements}


def test_one_version_everywhere() -> None:
    assert VERSION == "0.2.0"
    assert version("iqgateway") == iqgateway.__version__ == VERSION
    assert MANIFEST["version"] == VERSION
    assert [r for r in MANIFEST["requirements"] if r.startswith("iqgateway")] == [f"iqgateway=={VERSION}"]
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert f"## [{VERSION}]" in changelog


def test_version_option(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["iqgateway", "--version"])
    entry_main()
    assert capsys.readouterr().out == f"iqgateway {VERSION}\n"
    script = Path(sys.executable).with_name("iqgateway")
    out = subprocess.run([script, "--version"], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == f"iqgateway {VERSION}"


def _run_without(modules: set[str], code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter where importing any of `modules` fails as if it were not installed."""
    blocker = textwrap.dedent(f"""
        import importlib.abc, sys
        class Missing(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {sorted(modules)!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None
        sys.meta_path.insert(0, Missing())
    """)
    return subprocess.run([sys.executable, "-c", blocker + code], capture_output=True, text=True, timeout=120,
                          cwd=REPO, check=False)


def _closure(requirements: list[str]) -> set[str]:
    """The distributions `requirements` install, with theirs, as lower-case names. The extras of the direct
    ones count too: aiohttp imports aiodns when it is there (its `speedups`)."""
    seen: set[str] = set()
    todo = [(Requirement(r), 0) for r in requirements]
    while todo:
        req, depth = todo.pop()
        name = req.name.lower().replace("_", "-")
        if name in seen or (depth > 1 and req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        try:
            theirs = requires(req.name) or []
        except PackageNotFoundError:  # an extra's dependency that is not installed
            continue
        seen.add(name)
        todo += [(Requirement(r), depth + 1) for r in theirs]
    return seen


def test_import_loads_only_the_library_dependencies() -> None:
    out = _run_without({"typer", "rich", "click", "cryptography", "zeroconf", "aiomqtt", "prometheus_client"}, """
import json, sys
before = set(sys.modules)
import iqgateway
print(json.dumps(sorted(set(sys.modules) - before)))
""")
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.startswith("iqgateway.simulator")] == []
    library = PYPROJECT["tool"]["iqgateway"]["library-dependencies"]
    owners = packages_distributions()
    third_party = {dist.lower().replace("_", "-") for module in {m.split(".")[0] for m in loaded}
                   if module in owners for dist in owners[module]} - {"iqgateway"}
    assert _names(library) <= third_party  # each declared dependency is used
    assert third_party <= _closure(library), third_party - _closure(library)


@pytest.mark.parametrize(("command", "blocked", "extra"), [
    ("simulate", "cryptography", "simulator"),
    ("read", "typer", "cli"),
])
def test_a_missing_extra_is_named_in_one_line(command: str, blocked: str, extra: str) -> None:
    out = _run_without({blocked}, f"""
import sys
sys.argv = ["iqgateway", {command!r}, "--profile", "standard", "--port", "1"]
from iqgateway.cli_entry import main
main()
""")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert lines == [f"iqgateway {command}: needs the '{extra}' extra ({blocked} is not installed): "
                     f"pip install 'iqgateway[{extra}]'"]


def _install_requires(monkeypatch: pytest.MonkeyPatch, release: str | None) -> list[str]:
    seen: dict[str, Any] = {}
    fake = types.ModuleType("setuptools")
    fake.setup = lambda **kw: seen.update(kw)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "setuptools", fake)
    if release is None:
        monkeypatch.delenv("IQGATEWAY_RELEASE", raising=False)
    else:
        monkeypatch.setenv("IQGATEWAY_RELEASE", release)
    runpy.run_path(str(REPO / "setup.py"))
    requires = seen["install_requires"]
    assert isinstance(requires, list)
    return requires


def test_release_build_requires_the_library_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    library = PYPROJECT["tool"]["iqgateway"]["library-dependencies"]
    assert _install_requires(monkeypatch, "1") == library
    assert {"aiohttp", "orjson", "pyjwt", "defusedxml"} == _names(library)
    checkout = _install_requires(monkeypatch, None)
    assert _names(checkout) == _names(library) | _names(extras["cli"] + extras["simulator"] + extras["export"])
    assert {"typer", "rich", "cryptography", "zeroconf", "aiomqtt", "prometheus-client"} <= _names(checkout)
    assert not _names(checkout) & {"pytest", "mypy", "twine"}
    for extra in ("cli", "simulator", "export"):
        assert {"typer", "rich"} <= _names(extras[extra]), extra  # every extra brings the command line


def _workflow(name: str) -> dict[Any, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(doc, dict)
    return doc


def _steps(doc: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job["steps"]]


def test_workflows() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["publish.yml", "tests.yml", "validate.yml"]
    tests = _workflow("tests.yml")
    runs = " ".join(step.get("run", "") for step in _steps(tests))
    assert "make test" in runs
    for package in ("chromium", "mosquitto", "mosquitto-clients", "prometheus"):
        assert f" {package}" in runs, package

    validate = _workflow("validate.yml")
    uses = {step.get("uses"): step.get("with", {}) for step in _steps(validate)}
    assert "home-assistant/actions/hassfest@master" in uses
    assert uses["hacs/action@main"] == {"category": "integration"}

    publish = _workflow("publish.yml")
    assert publish[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    build, upload = publish["jobs"]["build"], publish["jobs"]["publish"]
    assert any(step.get("env", {}).get("IQGATEWAY_RELEASE") == "1" for step in build["steps"])
    assert upload["permissions"] == {"id-token": "write"}
    assert upload["environment"]["name"] == "pypi"
    assert [s["uses"] for s in upload["steps"]][-1] == "pypa/gh-action-pypi-publish@release/v1"


def test_nothing_tracked_reaches_outside_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True, cwd=REPO,
                             timeout=60).stdout.split()
    outside = re.compile(r"\.\./" + "shared|parent\\s*/\\s*[\"']" + "shared[\"']")
    offenders = [name for name in tracked if not name.startswith("tests/captures/")
                 and (REPO / name).is_file() and outside.search((REPO / name).read_text(errors="replace"))]
    assert offenders == []
