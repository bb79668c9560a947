"""Where the shared material lives: ../shared beside the checkout (CI lays it there too)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared").resolve()
CAPTURES = SHARED / "captures"
REFS_PYENPHASE = SHARED / "acceptance" / "refs" / "pyenphase-4.2.0"
REFS_HA_CORE = SHARED / "acceptance" / "refs" / "ha-core-2025.4.4"


def capture_names() -> list[str]:
    """Every capture folder (one real device each), sorted."""
    return sorted(p.name for p in CAPTURES.iterdir() if (p / "info").is_file())
