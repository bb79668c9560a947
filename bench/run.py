"""Entry point of `make bench` (`python bench/run.py [--device NAME] [--cycles 60] [--timed 5] [--json OUT]`).

Runs in the benchmark's own environment (bench/.venv: iqgateway editable + bench/requirements.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path


def _main() -> None:
    # run as a script: the repository root must be importable for the `bench` package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.main import main

    main()


if __name__ == "__main__":
    _main()
