"""Every benchmark in bench/, in one run: `make bench` (or `.venv/bin/python bench/run.py`).

Each benchmark is a function returning results; each result is a ratio against a floor
measured in the same run (absolute times on shared machines are not comparable). To add
one: write bench/<name>.py with a `run() -> list[Result]` and list it in BENCHMARKS.
A ratio above its goal is reported, not failed: the run always exits 0 when it completes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH), str(BENCH.parent)) if p not in sys.path]

import export  # noqa: E402
import money  # noqa: E402
import peer  # noqa: E402
import render  # noqa: E402
import rules  # noqa: E402
import submit  # noqa: E402


def bench_render() -> list[render.Result]:
    """A 40-question preview page: the service's macros vs a cached pure-Jinja floor."""
    return render.run()


def bench_export() -> list[render.Result]:
    """100 000 responses × 40 questions: our xlsx writer vs raw xlsxwriter (EXPORT_BENCH_N)."""
    return export.run()


BENCHMARKS: dict[str, Callable[[], list[render.Result]]] = {
    "render": bench_render,
    "export": bench_export,
    "rules": rules.run,
    "submit": submit.run,
    "peer": peer.run,
    "money": money.run,
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    results = []
    started = time.perf_counter()
    for name in names or list(BENCHMARKS):
        print(f"== {name}")
        results += BENCHMARKS[name]()
    elapsed = time.perf_counter() - started
    print(f"\n== results ({elapsed:.0f} s; ratios are the comparable figures)")
    for result in results:
        goal = f"goal ≤ {result.goal:g}×" if result.goal else "no goal"
        print(f"{result.name}: {result.ratio:.2f}×  [{goal}: {result.status}]  {result.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
