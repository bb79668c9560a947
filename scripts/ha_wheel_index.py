"""What a Home Assistant wheel defines, read from its source with ast (its code never runs).

For each module of the wheel: the names it binds at the top level, its classes (with their members and
bases), the return annotations of its functions, and what it marks deprecated:
- `_DEPRECATED_<NAME> = DeprecatedConstant(...)` (or DeprecatedConstantEnum, DeprecatedAlias): <NAME>;
- a function or class decorated with a `deprecated_*` decorator (deprecated_class, deprecated_function, ...);
- a function whose body calls `report_usage(...)` or `frame.report(...)` unconditionally (not inside an `if`);
- a `_DEPRECATED_*` dict with string keys: those keys are deprecated keyword arguments.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

DEPRECATION_FACTORIES = frozenset({"DeprecatedConstant", "DeprecatedConstantEnum", "DeprecatedAlias"})
REPORT_CALLS = frozenset({"report_usage", "report", "report_non_thread_safe_operation"})
# Python 3.14 allows `except A, B:`; the interpreter running this check may be older.
BARE_EXCEPT_TUPLE = re.compile(r"^(\s*except\*?\s+)([^():#\n]+,[^():#\n]+?)(\s*:)", re.MULTILINE)


@dataclass
class ClassInfo:
    name: str
    members: dict[str, ast.AST] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)  # dotted names as written in the class statement


@dataclass
class ModuleInfo:
    name: str
    names: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)  # bound name -> dotted target
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    returns: dict[str, str] = field(default_factory=dict)  # function (or Class.method) -> annotation name
    deprecated: dict[str, str] = field(default_factory=dict)  # name (or Class.member) -> why
    deprecated_keywords: dict[str, str] = field(default_factory=dict)  # keyword -> the dict naming it
    # function (or Class.method) -> (attribute in the `if` guarding a report, the report's text)
    conditional: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    dynamic: bool = False  # a module-level __getattr__: names may exist beyond the bound ones


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    return None


def _annotation_name(node: ast.AST | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp):  # X | None
        return _annotation_name(node.left)
    return dotted(node)


def _decorator_name(node: ast.AST) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return (dotted(target) or "").rsplit(".", 1)[-1]


def _reports_unconditionally(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The deprecation message when the body calls a report function at its top level (not inside an if)."""
    for stmt in func.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and _decorator_name(call) in REPORT_CALLS:
            first = call.args[0] if call.args else None
            text = ast.unparse(first) if first is not None else ""
            return f"reports its own use: {text[:120]}"
    return None


def _conditional_reports(func: ast.AST) -> list[tuple[str, str]]:
    """(attribute, text) of each report made only under an `if` that tests that attribute (`entry.update_listeners`)."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.If):
            continue
        for stmt in node.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if isinstance(call, ast.Call) and _decorator_name(call) in ("report_usage", "report") and call.args:
                text = ast.unparse(call.args[0])[:120]
                found += [(a.attr, text) for a in ast.walk(node.test) if isinstance(a, ast.Attribute)]
    return found


def _function_deprecation(func: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str | None:
    for decorator in func.decorator_list:
        if _decorator_name(decorator).startswith("deprecated"):
            return f"decorated @{_decorator_name(decorator)}"
    if isinstance(func, ast.ClassDef):
        return None
    return _reports_unconditionally(func)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements at module level, looking into if/try blocks (TYPE_CHECKING, optional imports)."""
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, ast.If):
            out += _top_level(stmt.body) + _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            out += _top_level(stmt.body)
            for handler in stmt.handlers:
                out += _top_level(handler.body)
            out += _top_level(stmt.orelse) + _top_level(stmt.finalbody)
        else:
            out.append(stmt)
    return out


def _targets(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    if isinstance(stmt, ast.TypeAlias) and isinstance(stmt.name, ast.Name):
        return [stmt.name.id]
    return []


def _class_info(node: ast.ClassDef, module: ModuleInfo) -> ClassInfo:
    info = ClassInfo(node.name, bases=[b for b in (dotted(base) for base in node.bases) if b])
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            info.members[stmt.name] = stmt
            why = _function_deprecation(stmt)
            if why:
                module.deprecated[f"{node.name}.{stmt.name}"] = why
            if conditions := _conditional_reports(stmt):
                module.conditional[f"{node.name}.{stmt.name}"] = conditions
            if not isinstance(stmt, ast.ClassDef) and (ret := _annotation_name(stmt.returns)):
                module.returns[f"{node.name}.{stmt.name}"] = ret
        for name in _targets(stmt):
            info.members[name] = stmt
    for inner in ast.walk(node):  # instance attributes: `self.x = ...` in any method
        if isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Store) and dotted(inner.value) == "self":
            info.members.setdefault(inner.attr, inner)
    return info


def _relative(module: str, level: int, target: str | None, is_package: bool) -> str:
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, target] if target else parts)


def index_module(name: str, source: str, *, is_package: bool = False) -> ModuleInfo:
    module = ModuleInfo(name)
    try:
        tree = ast.parse(BARE_EXCEPT_TUPLE.sub(r"\1(\2)\3", source))
    except SyntaxError:
        module.dynamic = True  # newer syntax than this interpreter reads: its names cannot be listed
        return module
    for stmt in _top_level(tree.body):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                module.names.add(bound)
                module.imports[bound] = alias.name if alias.asname else bound
        elif isinstance(stmt, ast.ImportFrom):
            base = _relative(name, stmt.level, stmt.module, is_package) if stmt.level else (stmt.module or "")
            for alias in stmt.names:
                bound = alias.asname or alias.name
                module.names.add(bound)
                module.imports[bound] = f"{base}.{alias.name}"
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.names.add(stmt.name)
            if stmt.name == "__getattr__":
                module.dynamic = True
            why = _function_deprecation(stmt)
            if why:
                module.deprecated[stmt.name] = why
            if isinstance(stmt, ast.ClassDef):
                module.classes[stmt.name] = _class_info(stmt, module)
            elif ret := _annotation_name(stmt.returns):
                module.returns[stmt.name] = ret
        else:
            _index_assignment(stmt, module)
    return module


def _index_assignment(stmt: ast.stmt, module: ModuleInfo) -> None:
    value = getattr(stmt, "value", None)
    for target in _targets(stmt):
        module.names.add(target)
        if target == "__getattr__" and "check_if_deprecated_constant" not in ast.unparse(stmt):
            module.dynamic = True  # the deprecated-constant hook adds no names beyond the _DEPRECATED_ ones
        if not target.startswith("_DEPRECATED_"):
            continue
        if isinstance(value, ast.Call) and _decorator_name(value) in DEPRECATION_FACTORIES:
            module.deprecated[target.removeprefix("_DEPRECATED_")] = f"{_decorator_name(value)} ({target})"
        elif isinstance(value, ast.Dict):
            for key in value.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    module.deprecated_keywords[key.value] = target


class WheelIndex:
    """The modules of one wheel, parsed on first use."""

    def __init__(self, sources: dict[str, tuple[str, bool]]) -> None:
        self._sources = sources  # module -> (source, is_package)
        self._parsed: dict[str, ModuleInfo] = {}

    @classmethod
    def from_wheel(cls, wheel: Path, package: str = "homeassistant") -> WheelIndex:
        sources: dict[str, tuple[str, bool]] = {}
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if not member.startswith(f"{package}/") or not member.endswith(".py"):
                    continue
                parts = member.removesuffix(".py").split("/")
                is_package = parts[-1] == "__init__"
                if is_package:
                    parts = parts[:-1]
                sources[".".join(parts)] = (archive.read(member).decode("utf-8", "replace"), is_package)
        return cls(sources)

    def has_module(self, name: str) -> bool:
        return name in self._sources

    def module(self, name: str) -> ModuleInfo | None:
        if name not in self._sources:
            return None
        if name not in self._parsed:
            source, is_package = self._sources[name]
            self._parsed[name] = index_module(name, source, is_package=is_package)
        return self._parsed[name]

    def resolve(self, target: str, depth: int = 0) -> tuple[ModuleInfo, str] | None:
        """Where a dotted name is defined: (module, name in it); a module itself gives (module, "")."""
        if self.has_module(target):
            found = self.module(target)
            return (found, "") if found else None
        head, _, name = target.rpartition(".")
        module = self.module(head)
        if module is None or depth > 8:
            return None
        imported = module.imports.get(name)
        if imported and imported != target and name not in module.classes:
            return self.resolve(imported, depth + 1) or (module, name)
        return (module, name)

    def class_member(
        self, module: ModuleInfo, cls: str, member: str, depth: int = 0
    ) -> tuple[bool, str | None, list[tuple[str, str]]]:
        """(known, deprecation, conditional reports) of `cls.member`, looking through the bases in the wheel.

        known is False only when every base was found in the wheel and none has the member.
        """
        info = module.classes.get(cls)
        if info is None or depth > 12:
            return (False, None, []) if info is not None else (True, None, [])
        if member in info.members:
            key = f"{cls}.{member}"
            return True, module.deprecated.get(key), module.conditional.get(key, [])
        complete = True
        for base in info.bases:
            target = module.imports.get(base.split(".")[0])
            dotted_base = f"{target}{base[len(base.split('.')[0]):]}" if target else f"{module.name}.{base}"
            where = self.resolve(dotted_base)
            if where is None or not where[1] or where[1] not in where[0].classes:
                complete = False
                continue
            known, why, conditions = self.class_member(where[0], where[1], member, depth + 1)
            if known:
                return True, why, conditions
        return (not complete), None, []
