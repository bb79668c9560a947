"""Answers built straight from a capture folder, by the file-naming rules of ENVOY-API.md "Captures".

Paths map to file names (never back): leading "/" dropped, "/ ? = &" -> "_";
`production.json?details=1` falls back to `production.json`, `inventory.json?deleted=1` to `inventory`,
any other query to the bare path. Status and content type come from `<file>_log.json`; a missing file
answers 404 like the device did.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from iqgateway.answer import Answer

NOT_FOUND = b'{"error":"404 - Not Found"}'
FETCHED_AT = 1_700_000_000.0


def file_name(path: str, query: str = "") -> str:
    full = path.lstrip("/") + (f"?{query}" if query else "")
    return re.sub(r"[/?=&]", "_", full)


def candidates(path_with_query: str) -> list[str]:
    path, _, query = path_with_query.partition("?")
    name = file_name(path, query)
    names = [name]
    if name == "production.json_details_1":
        names.append("production.json")
    if name in ("inventory.json_deleted_1", "inventory.json"):
        names += ["inventory.json_deleted_1", "inventory"]
    if query:
        names.append(file_name(path))
    return names


def capture_answer(capture: Path, path_with_query: str) -> Answer:
    for name in candidates(path_with_query):
        payload = capture / name
        if payload.is_file() and not name.endswith("_log.json"):
            meta: dict[str, object] = {}
            log = capture / f"{name}_log.json"
            if log.is_file():
                meta = json.loads(log.read_text())
            headers = meta.get("headers") if isinstance(meta.get("headers"), dict) else {}
            assert isinstance(headers, dict)
            lowered = {str(k).lower(): str(v) for k, v in headers.items()}
            body = payload.read_bytes()
            code = meta.get("code")
            status = int(code) if isinstance(code, int | str) and str(code).isdigit() else 200
            return Answer(path=path_with_query, status=status, body=body,
                          content_type=lowered.get("content-type") or _guess(body),
                          fetched_at=FETCHED_AT)
    return Answer(path=path_with_query, status=404, body=NOT_FOUND, content_type="application/json",
                  fetched_at=FETCHED_AT)


def capture_answers(capture: Path, paths: tuple[str, ...] | list[str]) -> dict[str, Answer]:
    return {path: capture_answer(capture, path) for path in paths}


def _guess(body: bytes) -> str:
    head = body.lstrip()[:1]
    if body.lstrip().startswith(b"<?xml"):
        return "text/xml"
    if head in (b"{", b"["):
        return "application/json"
    return "text/html"
