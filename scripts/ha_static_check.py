"""Hold the integration's Home Assistant imports and calls against a newer Home Assistant wheel.

    python scripts/ha_static_check.py [--version 2026.11.0] [--cache .cache/ha-wheel] [--wheel FILE] [SOURCE_DIR]

Reads every `homeassistant.*` import of SOURCE_DIR (custom_components/enphase_envoy) and each use of what
it imported (attributes of modules and classes, methods of typed values, methods inherited from Home
Assistant base classes, keyword arguments), and checks each exists in the wheel's source and is not
deprecated there (see ha_wheel_index.py for the markers), and that quality_scale.yaml lists the rules core's
integrations list in that release. The wheel is downloaded once into the cache
(`pip download --no-deps --only-binary=:all: --python-version 3.14.2`); its code never runs. Without
network (no wheel to be had) it prints one line saying so and exits 0. Exit 1 on any finding.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ha_wheel_index import ModuleInfo, WheelIndex, dotted

PACKAGE = "homeassistant"
PYTHON_VERSION = "3.14.2"
DOWNLOAD_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Finding:
    where: str
    name: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.name}: {self.problem}"


class Checker:
    def __init__(self, index: WheelIndex) -> None:
        self.index = index
        self.findings: list[Finding] = []
        self.checked = 0
        self.called: set[str] = set()  # every method or function name the integration calls
        self.conditional: list[tuple[str, str, str, str]] = []  # (where, name, guard attribute, report text)

    def report(self, where: str, name: str, problem: str) -> None:
        finding = Finding(where, name, problem)
        if finding not in self.findings:
            self.findings.append(finding)

    def lookup(self, target: str, where: str) -> tuple[ModuleInfo, str] | None:
        """Check one dotted name; return where its last part is defined when that is a class."""
        self.checked += 1
        parts = target.split(".")
        cut = max((i for i in range(1, len(parts) + 1) if self.index.has_module(".".join(parts[:i]))), default=0)
        if cut == 0:
            self.report(where, target, "missing (no such module)")
            return None
        if cut == len(parts):
            return None
        found = self.index.resolve(".".join(parts[: cut + 1]))
        if found is None:
            self.report(where, target, "missing")
            return None
        module, name = found
        if not name:
            return self.lookup(".".join([module.name, *parts[cut + 1 :]]), where) if cut + 1 < len(parts) else None
        if why := module.deprecated.get(name):
            self.report(where, ".".join(parts[: cut + 1]), f"deprecated ({why})")
        elif name not in module.names and not module.dynamic:
            self.report(where, target, "missing")
            return None
        current: tuple[ModuleInfo, str] | None = (module, name) if name in module.classes else None
        for member in parts[cut + 1 :]:
            if current is None:
                return None
            current = self.member(current, member, where, explicit=True)
        return current

    def member(
        self, cls: tuple[ModuleInfo, str], member: str, where: str, *, explicit: bool
    ) -> tuple[ModuleInfo, str] | None:
        """Check `Class.member`; return the member's type when it is a method with a known return class."""
        module, name = cls
        self.checked += 1
        known, why, conditions = self.index.class_member(module, name, member)
        label = f"{module.name}.{name}.{member}"
        self.conditional += [(where, label, attr, text) for attr, text in conditions]
        if why:
            self.report(where, label, f"deprecated ({why})")
        elif not known and explicit:
            self.report(where, label, "missing")
        return self.returned(module, f"{name}.{member}")

    def report_conditional(self) -> None:
        """A use deprecated only under a condition the integration sets up: `async_update_reload_and_abort`
        reports itself while `entry.update_listeners` is set, which `entry.add_update_listener(...)` does."""
        for where, name, attr, text in self.conditional:
            if "_" not in attr or not attr.endswith("s"):
                continue  # only a collection the integration adds to (update_listeners <- add_update_listener)
            singular = attr.removesuffix("s")
            if any(called.endswith(f"_{singular}") for called in self.called):
                self.report(where, name, f"deprecated while {attr} (reports its own use: {text})")

    def returned(self, module: ModuleInfo, function: str) -> tuple[ModuleInfo, str] | None:
        """The class a function of `module` is annotated to return, when the wheel defines it."""
        annotation = module.returns.get(function)
        if annotation is None:
            return None
        head = annotation.split(".")[0]
        base = module.imports.get(head, f"{module.name}.{head}")
        found = self.index.resolve(base + annotation[len(head) :])
        if found is None or found[1] not in found[0].classes:
            return None
        return found


class FileChecker(ast.NodeVisitor):
    """The uses of Home Assistant in one source file."""

    def __init__(self, checker: Checker, path: Path, label: str) -> None:
        self.checker = checker
        self.label = label
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.bindings: dict[str, str] = {}  # local name -> dotted Home Assistant name
        self.types: dict[str, tuple[ModuleInfo, str]] = {}  # local variable -> its Home Assistant class
        self.ha_bases: list[tuple[ModuleInfo, str]] = []  # Home Assistant bases of the class being read
        self.own_members: set[str] = set()
        self.keyword_modules: set[str] = set()

    def where(self, node: ast.AST) -> str:
        return f"{self.label}:{getattr(node, 'lineno', 0)}"

    def run(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        self.bind(alias.asname or PACKAGE, alias.name if alias.asname else PACKAGE, node)
            elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == PACKAGE:
                for alias in node.names:
                    self.bind(alias.asname or alias.name, f"{node.module}.{alias.name}", node)
        self.visit(self.tree)

    def bind(self, name: str, target: str, node: ast.AST) -> None:
        self.bindings[name] = target
        self.checker.lookup(target, self.where(node))
        module = target if self.checker.index.has_module(target) else target.rpartition(".")[0]
        self.keyword_modules.add(module)

    def target_of(self, node: ast.AST) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head = name.split(".")[0]
        if head not in self.bindings:
            return None
        return self.bindings[head] + name[len(head) :]

    def type_of(self, node: ast.AST) -> tuple[ModuleInfo, str] | None:
        if isinstance(node, ast.Name) and node.id in self.types:
            return self.types[node.id]
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and (owner := self.type_of(node.func.value)):
                return self.checker.returned(owner[0], f"{owner[1]}.{node.func.attr}")
            target = self.target_of(node.func)
            if target:
                found = self.checker.index.resolve(target)
                if found and found[1] in found[0].classes:
                    return found
                if found and found[1]:
                    return self.checker.returned(found[0], found[1])
        target = self.target_of(node)
        if target and (found := self.checker.index.resolve(target)) and found[1] in found[0].classes:
            return found
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = (self.ha_bases, self.own_members)
        bases = [self.checker.index.resolve(t) for t in (self.target_of(b) for b in node.bases) if t]
        self.ha_bases = [b for b in bases if b and b[1] in b[0].classes]
        self.own_members = {getattr(s, "name", "") for s in node.body} | {
            t.id for s in node.body if isinstance(s, ast.Assign | ast.AnnAssign)
            for t in ast.walk(s.targets[0] if isinstance(s, ast.Assign) else s.target) if isinstance(t, ast.Name)
        }
        self.generic_visit(node)
        self.ha_bases, self.own_members = outer

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = dict(self.types)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            if arg.annotation is not None and (found := self.type_of(arg.annotation)):
                self.types[arg.arg] = found
        for stmt in ast.walk(node):
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and (found := self.type_of(stmt.value)):
                        self.types[target.id] = found
            elif isinstance(stmt, ast.NamedExpr) and (found := self.type_of(stmt.value)):
                self.types[stmt.target.id] = found
        self.generic_visit(node)
        self.types = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self.check_attribute(node)
        self.generic_visit(node)

    def check_attribute(self, node: ast.Attribute) -> None:
        where = self.where(node)
        target = self.target_of(node)
        if target is not None:
            self.checker.lookup(target, where)
            return
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            if node.attr not in self.own_members:
                for base in self.ha_bases:
                    self.checker.member(base, node.attr, where, explicit=False)
            return
        owner = self.type_of(node.value)
        if owner is not None:
            self.checker.member(owner, node.attr, where, explicit=True)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(node.args) >= 2:
            name = node.args[1]
            target = self.target_of(node.args[0])
            if target and isinstance(name, ast.Constant) and isinstance(name.value, str):
                self.checker.lookup(f"{target}.{name.value}", self.where(node))
        callee = (dotted(func) or "").rsplit(".", 1)[-1]
        self.checker.called.add(callee)
        for keyword in node.keywords:
            if keyword.arg:
                self.check_keyword(callee, keyword.arg, node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(node.ctx, ast.Store) and isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.check_keyword("", key.value, node)
        self.generic_visit(node)

    def check_keyword(self, callee: str, keyword: str, node: ast.AST) -> None:
        for name in sorted(self.keyword_modules):
            module = self.checker.index.module(name)
            if module is None or keyword not in module.deprecated_keywords:
                continue
            defined_here = not callee or callee in module.names or any(
                callee in cls.members for cls in module.classes.values()
            )
            if defined_here:
                self.checker.report(
                    self.where(node), f"{callee or '[]'}({keyword}=...)",
                    f"deprecated keyword ({name}.{module.deprecated_keywords[keyword]})",
                )


RULE_LINE = re.compile(r"^  ([a-z][a-z0-9-]*):", re.MULTILINE)


def quality_scale_findings(wheel: Path, ours: Path) -> list[Finding]:
    """The rules of our quality_scale.yaml against those every core integration's file in the wheel lists."""
    if not ours.exists():
        return []
    with zipfile.ZipFile(wheel) as archive:
        files = [archive.read(n).decode() for n in archive.namelist() if n.endswith("/quality_scale.yaml")]
    if not files:
        return []
    rule_sets = [set(RULE_LINE.findall(text)) for text in files]
    rules = set.intersection(*rule_sets)
    have = set(RULE_LINE.findall(ours.read_text(encoding="utf-8")))
    return [Finding(str(ours), rule, "quality scale rule missing") for rule in sorted(rules - have)] + [
        Finding(str(ours), rule, "not a quality scale rule") for rule in sorted(have - set.union(*rule_sets))
    ]


def sources(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def fetch_wheel(version: str, cache: Path) -> Path | str:
    """The wheel in the cache, downloaded when missing; a reason (str) when it cannot be had."""
    pattern = f"{PACKAGE}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", f"{PACKAGE}=={version}", "--no-deps", "--only-binary=:all:",
        "--python-version", PYTHON_VERSION, "--disable-pip-version-check", "-q", "-d", str(cache),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return f"pip download took over {DOWNLOAD_TIMEOUT_S} s"
    found = sorted(cache.glob(pattern))
    if done.returncode != 0 or not found:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"pip download exited {done.returncode}"
    return found[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default="custom_components/enphase_envoy", type=Path)
    parser.add_argument("--version", default="2026.11.0")
    parser.add_argument("--cache", default=Path(".cache/ha-wheel"), type=Path)
    parser.add_argument("--wheel", type=Path, help="use this wheel instead of downloading one")
    args = parser.parse_args(argv)
    wheel = args.wheel or fetch_wheel(args.version, args.cache)
    if isinstance(wheel, str):
        print(f"ha-static-check: SKIPPED, no {PACKAGE}=={args.version} wheel to check against (offline?): {wheel}")
        return 0
    checker = Checker(WheelIndex.from_wheel(wheel))
    files = list(sources(args.source))
    for path in files:
        FileChecker(checker, path, str(path)).run()
    checker.report_conditional()
    checker.findings += quality_scale_findings(wheel, args.source / "quality_scale.yaml")
    for finding in checker.findings:
        print(finding)
    deprecated = sum("deprecated" in f.problem for f in checker.findings)
    rules = sum("quality scale" in f.problem for f in checker.findings)
    missing = len(checker.findings) - deprecated - rules
    print(f"ha-static-check: {wheel.name}: {checker.checked} uses in {len(files)} files; "
          f"{missing} missing, {deprecated} deprecated; quality scale: {rules} rules off")
    return 1 if checker.findings else 0


if __name__ == "__main__":
    sys.exit(main())
