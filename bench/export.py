"""Raw responses export: our writer vs. raw xlsxwriter writing the same cells.

`N` synthetic responses (default 100 000; `EXPORT_BENCH_N=5000` or
`python bench/export.py 5000` for a quick run) × 40 questions — 8 text, 4 long text,
6 integer, 6 amount, 4 single choice, 4 multiple choice with 5 options, 4 yes/no,
4 scales — are written to an xlsx file twice per round, alternating:

* **A — ours**: `exports.responses.write_responses_xlsx` given `RawResponse`s (the
  answers as the service reads them from the database): flattening to columns, cell
  safety, width fitting, codes and metadata sheets.
* **B — the floor**: raw xlsxwriter in `constant_memory` mode with the same options,
  given the already-flattened cells, one typed call per filled cell (`write_string`,
  `write_number` with the same formats, `write_datetime`) — the fastest way to write
  exactly the cells A writes.

Each run is its own subprocess, so its peak memory (`ru_maxrss`, the whole process with
Python and the imports) is its own. The answers come from a pool of 1 000 generated
responses, cycled, for both A and B: generating 100 000 dicts up front would measure the
generator's memory, not the writer's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH), str(BENCH.parent)) if p not in sys.path]

from render import Result  # noqa: E402

from exports.responses import (  # noqa: E402
    Option,
    QuestionSpec,
    RawResponse,
    ResponsesExport,
    plan_of,
    write_responses_xlsx,
)
from exports.safety import WORKBOOK_OPTIONS  # noqa: E402
from exports.table import Kind  # noqa: E402

DEFAULT_N = 100_000
POOL = 1_000
ROUNDS = 2
TYPES = (["text"] * 8 + ["long_text"] * 4 + ["integer"] * 6 + ["amount"] * 6
         + ["single_choice"] * 4 + ["multiple_choice"] * 4 + ["yes_no"] * 4 + ["scale"] * 4)
OPTIONS = tuple(Option(f"opt{i}", f"Valg {i}", f"Val {i}") for i in range(5))
WORDS = ("tiltak", "tilbud", "kommune", "åpningstid", "team", "=1+2", "oppsøkende", "unge")


def questions() -> tuple[QuestionSpec, ...]:
    return tuple(QuestionSpec(f"q{i:02d}_{t}", t, f"Spørsmål {i}", f"Spørsmål {i}",
                              options=OPTIONS if "choice" in t else ())
                 for i, t in enumerate(TYPES))


def _answer(kind: str, chance: random.Random) -> object:
    if kind == "text":
        return " ".join(chance.choices(WORDS, k=3))
    if kind == "long_text":
        return " ".join(chance.choices(WORDS, k=25))
    if kind in ("integer", "scale"):
        return chance.randint(1, 400) if kind == "integer" else chance.randint(1, 5)
    if kind == "amount":
        return str(Decimal(chance.randint(0, 5_000_000)))
    if kind == "single_choice":
        return chance.choice(OPTIONS).code
    if kind == "multiple_choice":
        return [o.code for o in chance.sample(OPTIONS, k=chance.randint(1, 3))]
    return chance.random() < 0.5  # yes_no


def pool() -> list[RawResponse]:
    chance = random.Random(6)  # noqa: S311 - synthetic figures
    specs = questions()
    made = []
    for i in range(POOL):
        answers = {q.code: _answer(q.type, chance) for q in specs if chance.random() < 0.95}
        meta = (f"{i % 9999:04d}", "Kommune", "Fylke", "Statsforvalteren i Innlandet",
                f"2022-{i:04d}-X-1", 1, 1, dt.datetime(2023, 3, 1, 9) + dt.timedelta(minutes=i),
                0)
        made.append(RawResponse(meta, answers))
    return made


def export_of(n: int) -> ResponsesExport:
    return ResponsesExport(
        round_key="bench/2022", questionnaire="bench", versions=(1,), questions=questions(),
        generated_at=dt.datetime(2024, 1, 1), generated_by="bench", selection="alle",
        responses=itertools.islice(itertools.cycle(pool()), n))


def run_ours(n: int, path: str, prepared: object) -> None:
    write_responses_xlsx(path, export_of(n))


def prepare_raw() -> list[list[object]]:
    """The cells A writes, flattened and made safe in advance: B only writes them."""
    from exports.safety import representable

    plan = plan_of(questions())
    return [[representable(v) if isinstance(v, str) else float(v) if isinstance(v, Decimal)
             else v for v in (*r.meta, *plan.cells(r.answers))] for r in pool()]


def run_raw(n: int, path: str, prepared: object) -> None:
    import xlsxwriter

    columns = plan_of(questions()).columns
    workbook = xlsxwriter.Workbook(path, {**WORKBOOK_OPTIONS, "constant_memory": True})
    sheet = workbook.add_worksheet("Svar")
    kroner = workbook.add_format({"num_format": '#,##0.00 "kr"'})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    methods = []
    for column in columns:
        if column.kind is Kind.TEXT:
            methods.append((sheet.write_string, None))
        elif column.kind is Kind.DATETIME:
            methods.append((sheet.write_datetime, stamp))
        else:
            methods.append((sheet.write_number, kroner if column.kind is Kind.NOK else None))
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header)
    rows = itertools.islice(itertools.cycle(prepared), n)  # type: ignore[call-overload]
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is not None:
                write, fmt = methods[col]
                write(row_number, col, value, fmt)
    workbook.close()


def child(which: str, n: int) -> None:
    """Runs one export in this process; prints seconds and peak RSS (MB) as JSON."""
    with tempfile.TemporaryDirectory() as directory:
        path = str(Path(directory) / "out.xlsx")
        # Building the pool (and B's flattened cells) is not the writer's work: untimed.
        prepared = prepare_raw() if which == "raw" else pool()
        started = time.perf_counter()
        (run_ours if which == "ours" else run_raw)(n, path, prepared)
        seconds = time.perf_counter() - started
        size = Path(path).stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "bytes": size}))


def _spawn(which: str, n: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", which, str(n)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(n: int | None = None) -> list[Result]:
    n = n or int(os.environ.get("EXPORT_BENCH_N", DEFAULT_N))
    results: dict[str, list[dict[str, float]]] = {"ours": [], "raw": []}
    for round_number in range(ROUNDS):
        order = ("ours", "raw") if round_number % 2 == 0 else ("raw", "ours")
        for which in order:
            results[which].append(_spawn(which, n))
            print(f"  round {round_number + 1} {which}: {results[which][-1]}")
    best = {k: min(r["seconds"] for r in v) for k, v in results.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in results.items()}
    cells = n * len(plan_of(questions()).columns)
    detail = (f"{n} responses × 40 questions ({cells} cells): ours {best['ours']:.1f} s, "
              f"raw xlsxwriter {best['raw']:.1f} s ({cells / best['raw']:,.0f} cells/s); "
              f"peak RSS ours {peak['ours']:.0f} MB, raw {peak['raw']:.0f} MB")
    return [Result("export responses (ours / raw xlsxwriter)", best["ours"] / best["raw"], 1.3,
                   detail),
            Result("export responses peak memory (MB / 300 MB goal)", peak["ours"] / 300, 1.0,
                   f"{peak['ours']:.0f} MB")]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        for result in run(int(sys.argv[1]) if len(sys.argv) > 1 else None):
            print(f"{result.name}: {result.ratio:.2f}×  [{result.status}]  {result.detail}")
