"""Build survey_app/data/municipalities.csv from the register source files.

Usage: python scripts/build_register.py ../shared/data

The sources (kommuner-2025.json, fylker-2025.json) are MIT-licensed; their notice is kept
in survey_app/data/NOTICE.md beside the output.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.offices import COUNTIES  # noqa: E402

STANDARDS = {"Bokmål": "nb", "Nynorsk": "nn", "Nøytral": "neutral"}
HEADER = [
    "kommunenummer", "navn", "navn_samisk_kvensk", "fylke", "fylkesnavn",
    "statsforvalter", "malform", "innbyggere", "gyldig_fra", "gyldig_til",
]


def main(source: Path) -> None:
    municipalities = json.loads((source / "kommuner-2025.json").read_text("utf-8"))
    counties = {c["f_id"]: c["f_name"] for c in json.loads(
        (source / "fylker-2025.json").read_text("utf-8"))}
    rows = []
    for m in sorted(municipalities, key=lambda m: m["k_id"]):
        county = m["k_id"][:2]
        assert COUNTIES[county].name == counties[county], county
        rows.append([
            m["k_id"], m["k_name_no"],
            m["k_name"] if m["k_name"] != m["k_name_no"] else "",
            county, counties[county], COUNTIES[county].office,
            STANDARDS[m["k_language"]], m["k_population"], "2024-01-01", "",
        ])
    out = ROOT / "survey_app" / "data" / "municipalities.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(f"{len(rows)} municipalities written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"))
