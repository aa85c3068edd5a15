"""Build the shipped register files in survey_app/data/ from the register source files.

Usage: python scripts/build_register.py ../shared/data

Writes
- ``municipalities.csv``: both numberings, each entry with its validity period: the 356
  municipalities valid 2020-01-01 to 2023-12-31 (``gyldig_til`` 2024-01-01, exclusive) from
  kommuner-2020-2023.json / fylker-2020-2023.json, and the 357 valid from 2024-01-01 from
  kommuner-2025.json / fylker-2025.json;
- ``municipality-changes.csv``: the correspondence 2023 → 2024 for every number that
  changed (the numbers in the split counties, matched by name within the old county's
  successors, and Ålesund 1507 split into Ålesund 1508 and Haram 1580).

The sources are MIT-licensed; their notice is kept in survey_app/data/NOTICE.md.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.offices import COUNTIES  # noqa: E402

STANDARDS = {"Bokmål": "nb", "Nynorsk": "nn", "Nøytral": "neutral"}
HEADER = [
    "kommunenummer", "navn", "navn_samisk_kvensk", "fylke", "fylkesnavn",
    "statsforvalter", "malform", "innbyggere", "gyldig_fra", "gyldig_til",
]
CHANGES_HEADER = ["dato", "fra_kommunenummer", "fra_navn", "til_kommunenummer", "til_navn"]
REFORM_2024 = "2024-01-01"
FIRST_2020 = "2020-01-01"
# The counties split on 1 January 2024 (../shared/data/NOTICE.md).
SPLIT_2024 = {"30": ("31", "32", "33"), "38": ("39", "40"), "54": ("55", "56")}
# The one municipality split on 1 January 2024 (NOTICE.md: "where Haram left Ålesund").
ALESUND_2023, SPLIT_MUNICIPALITY = "1507", ("1508", "1580")
# NOTICE.md: "Rogaland is misspelt 'Rogland' in the source".
COUNTY_NAME_FIXES = {"Rogland": "Rogaland"}


def _load(source: Path, name: str) -> Any:
    return json.loads((source / name).read_text("utf-8"))


def _plain_name(name: str) -> str:
    """``Herøy (M. og R.)`` → ``Herøy``: the 2020–2023 file qualifies same-named ones."""
    return re.sub(r"\s*\([^)]*\)$", "", name)


def _population(value: object) -> int:
    """``"14 787"`` or ``14787`` as int (the 2020–2023 file writes both)."""
    return int(str(value).replace(" ", "").replace("\u00a0", ""))


def rows_2024(source: Path) -> tuple[list[list[object]], dict[str, dict[str, Any]]]:
    municipalities = _load(source, "kommuner-2025.json")
    counties = {c["f_id"]: c["f_name"] for c in _load(source, "fylker-2025.json")}
    rows = []
    for m in sorted(municipalities, key=lambda m: m["k_id"]):
        county = m["k_id"][:2]
        assert COUNTIES[county].name == counties[county], county
        rows.append([
            m["k_id"], m["k_name_no"],
            m["k_name"] if m["k_name"] != m["k_name_no"] else "",
            county, counties[county], COUNTIES[county].office,
            STANDARDS[m["k_language"]], m["k_population"], REFORM_2024, "",
        ])
    return rows, {m["k_id"]: m for m in municipalities}


def successors(old: dict[str, Any], new: dict[str, dict[str, Any]]) -> list[str]:
    """The 2024 numbers of a 2020–2023 municipality: same number, or same name in the
    successor counties, or the Ålesund split."""
    number = old["id"].zfill(4)
    if number == ALESUND_2023:
        return list(SPLIT_MUNICIPALITY)
    name = _plain_name(old["name_nb"])
    counties = SPLIT_2024.get(number[:2], (number[:2],))
    found = [n for n, m in new.items() if n[:2] in counties and m["k_name_no"] == name]
    assert len(found) == 1, (number, name, found)
    assert number[:2] in SPLIT_2024 or found == [number], (number, found)
    return found


def rows_2020(source: Path, new: dict[str, dict[str, Any]]
              ) -> tuple[list[list[object]], list[list[object]]]:
    counties = {c["id"].zfill(2): COUNTY_NAME_FIXES.get(c["name_nb"], c["name_nb"])
                for c in _load(source, "fylker-2020-2023.json")}
    rows, changes = [], []
    for m in sorted(_load(source, "kommuner-2020-2023.json"), key=lambda m: m["id"].zfill(4)):
        number, county = m["id"].zfill(4), m["id"].zfill(4)[:2]
        assert COUNTIES[county].name == counties[county], county
        after = successors(m, new)
        # Names stayed in 2024 (NOTICE.md): the official form is the 2024 one, without the
        # source's qualifier, and its Sámi or Kven form too.
        twin = new[after[0]]
        rows.append([
            number, twin["k_name_no"],
            twin["k_name"] if twin["k_name"] != twin["k_name_no"] else "",
            county, counties[county], COUNTIES[county].office,
            STANDARDS[m["language"]], _population(m["population"]), FIRST_2020, REFORM_2024,
        ])
        if after != [number]:
            changes.extend([REFORM_2024, number, twin["k_name_no"], n, new[n]["k_name_no"]]
                           for n in after)
    return rows, changes


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(source: Path) -> None:
    new_rows, new = rows_2024(source)
    old_rows, changes = rows_2020(source, new)
    assert len(old_rows) == 356 and len(new_rows) == 357
    covered = {c[3] for c in changes} | {r[0] for r in old_rows} & set(new)
    assert covered == set(new), set(new) - covered
    out = ROOT / "survey_app" / "data"
    _write(out / "municipalities.csv", HEADER, old_rows + new_rows)
    _write(out / "municipality-changes.csv", CHANGES_HEADER, changes)
    print(f"{len(old_rows)} + {len(new_rows)} municipalities written to "
          f"survey_app/data/municipalities.csv; {len(changes)} changes to "
          "survey_app/data/municipality-changes.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"))
