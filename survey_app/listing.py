"""Paging and sorting a list page from its query string: the one place list pages do it.

The query string names the page (``?side=2``), the column sorted by (``?sorter=amount``)
and the direction (``?retning=desc``); a filter is a GET form's own arguments, so a
filtered, sorted page is a link that can be kept. Every value is read strictly: a page
that cannot be read is the first (``query_args.page_arg``), one beyond the last is the last,
an unknown column or direction is the page's default. Nothing here raises on input.

A listing is applied either to a list already read (``Listing.page_of``: sorts and slices,
for pages that need every row anyway, such as a total) or to a SQLAlchemy select
(``Listing.paged``: ORDER BY, a COUNT and LIMIT/OFFSET).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import request, url_for

from forms.money import NumberError, parse_amount
from survey_app.extensions import db
from survey_app.query_args import page_arg

T = TypeVar("T")

PAGE_ARG, SORT_ARG, DIRECTION_ARG = "side", "sorter", "retning"
ASC, DESC = "asc", "desc"
PER_PAGE = 25


@dataclass(frozen=True)
class Listing:
    """Which page, sorted by which column and in which direction, as the URL asked."""

    page: int
    sort: str
    direction: str
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args: Mapping[str, str], sorts: Sequence[str], default_sort: str,
                  default_direction: str = ASC, per_page: int = PER_PAGE) -> Listing:
        sort = (args.get(SORT_ARG) or "").strip()
        sort = sort if sort in sorts else default_sort
        direction = (args.get(DIRECTION_ARG) or "").strip()
        if direction not in (ASC, DESC):
            # the default direction is the default column's (newest first); another
            # column asked for without one is read from the top (A to Z)
            direction = default_direction if sort == default_sort else ASC
        return cls(page=page_arg(args, PAGE_ARG), sort=sort, direction=direction,
                   per_page=per_page)

    @property
    def descending(self) -> bool:
        return self.direction == DESC

    def page_of(self, items: Sequence[T],
                keys: Mapping[str, Callable[[T], Any]]) -> Page[T]:
        """The page of ``items`` sorted by the chosen key (missing values last, ties in
        the order given)."""
        key = keys[self.sort]
        present = [i for i in items if key(i) is not None]
        ordered = sorted(present, key=key, reverse=self.descending)  # stable either way
        ordered += [i for i in items if key(i) is None]
        number = self._clamped(len(items))
        start = (number - 1) * self.per_page
        return Page(items=list(ordered[start:start + self.per_page]), number=number,
                    total=len(items), listing=self)

    def paged(self, select: sa.Select[Any], columns: Mapping[str, Any],
              tiebreak: Sequence[Any] = ()) -> Page[Any]:
        """The page of rows of ``select`` ordered by the chosen column (then ``tiebreak``):
        two statements, a COUNT and the page with LIMIT/OFFSET."""
        total = db.session.scalar(sa.select(sa.func.count()).select_from(
            select.order_by(None).subquery())) or 0
        column = columns[self.sort]
        order = column.desc().nulls_last() if self.descending else column.asc().nulls_last()
        number = self._clamped(total)
        rows = db.session.execute(select.order_by(order, *tiebreak)
                                  .limit(self.per_page)
                                  .offset((number - 1) * self.per_page)).all()
        return Page(items=list(rows), number=number, total=total, listing=self)

    def _clamped(self, total: int) -> int:
        return min(self.page, max(1, -(-total // self.per_page)))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what the pager and the column headers need."""

    items: list[T]
    number: int
    total: int
    listing: Listing

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.listing.per_page))

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row (0 on an empty list)."""
        return (self.number - 1) * self.listing.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def url(self, **changes: Any) -> str:
        """This page's URL with the query arguments changed (``None`` drops one); the
        other arguments, the filter among them, are kept."""
        view_args = request.view_args or {}
        # A query argument named like a part of the path (`?year=` on /…/<year>) is not
        # this page's: dropped, or url_for would get the name twice.
        args: dict[str, Any] = {k: v for k, v in request.args.items(multi=False)
                                if k not in view_args}
        for name, value in changes.items():
            if value is None:
                args.pop(name, None)
            else:
                args[name] = value
        return url_for(request.endpoint or "", **view_args, **args)

    def page_url(self, number: int) -> str:
        return self.url(**{PAGE_ARG: number if number > 1 else None})

    def sort_url(self, key: str, default_direction: str = ASC) -> str:
        """The link of a column header: sorts by ``key``, toggling the direction when the
        list is already sorted by it; back to the first page."""
        if key == self.listing.sort:
            direction = ASC if self.listing.descending else DESC
        else:
            direction = default_direction
        return self.url(**{SORT_ARG: key, DIRECTION_ARG: direction, PAGE_ARG: None})

    def aria_sort(self, key: str) -> str | None:
        if key != self.listing.sort:
            return None
        return "descending" if self.listing.descending else "ascending"


# ---- filters: a GET form's own arguments, read as strictly as the page and the sort -------

# The amount range of a list, in kroner as typed (the flag list's `min_amount` first).
MIN_AMOUNT_ARG, MAX_AMOUNT_ARG = "min_amount", "max_amount"


def choice_arg(args: Mapping[str, str], name: str,
               choices: Collection[str]) -> tuple[str, bool]:
    """(the chosen value, whether it could be used): absent is ("", True); a value that is
    not one of ``choices`` (a code of another list, ``<script>``) is ("", False), for the
    page to say it was not used."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return "", True
    return (raw, True) if raw in choices else ("", False)


@dataclass(frozen=True)
class AmountRange:
    """The amount filter of a list (``?min_amount=&max_amount=``, kroner as a person types
    them: ``250 000``, ``kr 1 000,50``); a bound that cannot be read is not used, and its
    message (in the page's language) says why."""

    low_text: str = ""
    high_text: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict)  # argument name -> message

    @classmethod
    def from_args(cls, args: Mapping[str, str], language: str) -> AmountRange:
        texts = {name: (args.get(name) or "").strip() for name in (MIN_AMOUNT_ARG,
                                                                     MAX_AMOUNT_ARG)}
        values: dict[str, Decimal | None] = {}
        errors: dict[str, str] = {}
        for name, text in texts.items():
            values[name] = None
            if text:
                try:
                    values[name] = parse_amount(text)
                except NumberError as problem:
                    errors[name] = problem.text(language)
        return cls(low_text=texts[MIN_AMOUNT_ARG], high_text=texts[MAX_AMOUNT_ARG],
                   low=values[MIN_AMOUNT_ARG], high=values[MAX_AMOUNT_ARG], errors=errors)

    @property
    def active(self) -> bool:
        return self.low is not None or self.high is not None

    def admits(self, kroner: Decimal | int | None) -> bool:
        """Whether an amount lies within the range (both ends included); a row without an
        amount only when no bound is set."""
        if kroner is None:
            return not self.active
        return ((self.low is None or kroner >= self.low)
                and (self.high is None or kroner <= self.high))
