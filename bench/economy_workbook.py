"""Reading one uploaded Excel economy report, against a bare openpyxl load of the same file.

Side by side in one run, on a fresh SQLite database with the shipped register and a 765.60
round (`langvarige-sammensatte-voksne/2021`) with a grant to 3405 Lillehammer:

* **A — the service**: `services.economy_workbook.read_upload` on a filled-in template,
  as the upload route calls it: the size cap, the macro check, the imports' zip-bomb check,
  the read-only load, the identity and its HMAC, every input row and cell checked.
* **B — the floor**: `openpyxl.load_workbook(read_only=True)` of the same bytes and one
  pass over the economy sheet's rows, nothing checked.

Goal (issue 16, "Performance"): A under 0.5 s; the ratio A/B is printed. Each is the median
of N runs (`python bench/economy_workbook.py 50`; default 20).
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH.parent),) if p not in sys.path]

from openpyxl import load_workbook  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Grant  # noqa: E402
from survey_app.services import economy_workbook as workbook  # noqa: E402
from survey_app.services import register, responses, rounds  # noqa: E402

KEY = "langvarige-sammensatte-voksne/2021"
GOAL_SECONDS = 0.5
SECRET = "bench-secret"  # noqa: S105 (a throwaway app of the benchmark)


def _median(job: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int) -> None:
    import datetime as dt

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "APP_ENV": "testing", "SECRET_KEY": SECRET,
                          "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}"})
        with app.app_context():
            db.create_all()
            register.import_register(register.SHIPPED_REGISTER.read_text("utf-8"),
                                     source="bench")
            rounds.sync_schemes()
            created = rounds.create_round(KEY, rounds.RoundDates(
                opens_on=dt.date(2022, 1, 9), deadline=dt.date(2022, 4, 1), grace_days=14,
                opt_out_deadline=dt.date(2021, 4, 22), payment_date=dt.date(2021, 4, 29)),
                budget=10_000_000)
            db.session.add(Grant(round=created, municipality_number="3405", amount=800_000))
            db.session.commit()
            grant = responses.find_grant("langvarige-sammensatte-voksne", 2021, "3405")
            assert grant is not None
            municipality = responses.municipality_of(grant)
            assert municipality is not None
            questionnaire = responses.latest_questionnaire(grant.round.scheme.questionnaire_id)
            section = workbook.workbook_section(grant, questionnaire)
            assert section is not None
            template = workbook.build_template(grant, municipality, questionnaire, section,
                                               {"received": 800_000}, [], SECRET)
            book = load_workbook(io.BytesIO(template))
            book[workbook.SHEET]["C14"], book[workbook.SHEET]["C15"] = 700_000, 100_000
            out = io.BytesIO()
            book.save(out)
            data = out.getvalue()
            expected = workbook.identity_of(grant, municipality, questionnaire, section)
            language = workbook.workbook_language(municipality)

            with app.test_request_context():  # the messages are the user's language's
                def service() -> None:
                    result = workbook.read_upload(data, "okonomirapport.xlsx", expected,
                                                  section, language, [SECRET])
                    assert result.ok, result.problems

                def floor() -> None:
                    bare = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                    for _row in bare[workbook.SHEET].iter_rows(values_only=True):
                        pass
                    bare.close()

                service()  # warm: imports, the questionnaire's texts
                floor()
                a, b = _median(service, runs), _median(floor, runs)
    print(f"economy workbook upload, {len(data)} bytes, median of {runs} runs")
    print(f"A  the service's read_upload:     {a * 1000:8.1f} ms  (goal < "
          f"{GOAL_SECONDS * 1000:.0f} ms: {'met' if a < GOAL_SECONDS else 'NOT MET'})")
    print(f"B  a bare openpyxl read-only load: {b * 1000:8.1f} ms")
    print(f"A/B = {a / b:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
