"""The ten Statsforvalter offices and which counties each serves.

Source: the copy list of seed 000 and ../shared/docs/domain.md. Counties are listed for
both numberings in use since 2020 (the 2020–2023 merged counties 30, 38 and 54, and the
2024 split counties), so that an imported older register maps to the same offices.
"""

from __future__ import annotations

from typing import NamedTuple


class County(NamedTuple):
    number: str
    name: str
    office: str  # office slug


OFFICES: dict[str, str] = {
    "agder": "Statsforvalteren i Agder",
    "innlandet": "Statsforvalteren i Innlandet",
    "more-og-romsdal": "Statsforvalteren i Møre og Romsdal",
    "nordland": "Statsforvalteren i Nordland",
    "oslo-og-viken": "Statsforvalteren i Oslo og Viken",
    "rogaland": "Statsforvalteren i Rogaland",
    "troms-og-finnmark": "Statsforvalteren i Troms og Finnmark",
    "trondelag": "Statsforvalteren i Trøndelag",
    "vestfold-og-telemark": "Statsforvalteren i Vestfold og Telemark",
    "vestland": "Statsforvalteren i Vestland",
}

# A reviewer's or auditor's scope over every municipality (the Directorate's staff, the
# national auditors), stored in `User.office` as said outright: an account whose office is
# empty has no scope at all (issue 13), so national access is never given by omission.
NATIONAL = "national"

_COUNTIES = [
    County("03", "Oslo", "oslo-og-viken"),
    County("11", "Rogaland", "rogaland"),
    County("15", "Møre og Romsdal", "more-og-romsdal"),
    County("18", "Nordland", "nordland"),
    County("30", "Viken", "oslo-og-viken"),  # 2020–2023
    County("31", "Østfold", "oslo-og-viken"),
    County("32", "Akershus", "oslo-og-viken"),
    County("33", "Buskerud", "oslo-og-viken"),
    County("34", "Innlandet", "innlandet"),
    County("38", "Vestfold og Telemark", "vestfold-og-telemark"),  # 2020–2023
    County("39", "Vestfold", "vestfold-og-telemark"),
    County("40", "Telemark", "vestfold-og-telemark"),
    County("42", "Agder", "agder"),
    County("46", "Vestland", "vestland"),
    County("50", "Trøndelag", "trondelag"),
    County("54", "Troms og Finnmark", "troms-og-finnmark"),  # 2020–2023
    County("55", "Troms", "troms-og-finnmark"),
    County("56", "Finnmark", "troms-og-finnmark"),
]
COUNTIES: dict[str, County] = {c.number: c for c in _COUNTIES}
_COUNTY_BY_NAME: dict[str, County] = {c.name.casefold(): c for c in _COUNTIES}


def find_county(number_or_name: str) -> County | None:
    """A county by its two-digit number (``"34"``) or its name (``"Innlandet"``)."""
    text = number_or_name.strip()
    if text.isdigit():
        return COUNTIES.get(text.zfill(2))
    return _COUNTY_BY_NAME.get(text.casefold())


# Renamed offices: slug → (first year of the new name, the new area). The office for Oslo
# and the former Viken kept its tasks and its slug when Viken was split; its name from
# 1 January 2024 is "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus"
# (../shared/docs/domain.md, "Registers by year"). The others kept their names.
RENAMED: dict[str, tuple[int, str]] = {
    "oslo-og-viken": (2024, "Østfold, Buskerud, Oslo og Akershus"),
}
_PREFIX = {"nb": "Statsforvalteren i ", "nn": "Statsforvaltaren i "}
DIRECTORATE = "Helsedirektoratet"


def office_area(slug: str, year: int | None = None) -> str:
    """The area in an office's name in ``year`` (None: today's name): "Oslo og Viken"."""
    area = OFFICES[slug].removeprefix(_PREFIX["nb"])
    renamed = RENAMED.get(slug)
    if renamed is not None and (year is None or year >= renamed[0]):
        return renamed[1]
    return area


def office_name(slug: str | None, year: int | None = None, language: str = "nb") -> str:
    """The office's official name in ``year`` (None: today's), in bokmål or nynorsk.

    Nynorsk uses the offices' own nynorsk form, "Statsforvaltaren i Vestland"; English
    keeps the bokmål name, a proper name. No office (a national scheme): the Directorate.
    """
    if not slug or slug not in OFFICES:
        return DIRECTORATE
    return _PREFIX.get(language, _PREFIX["nb"]) + office_area(slug, year)
