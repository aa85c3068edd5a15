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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import request, url_for

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
        direction = (args.get(DIRECTION_ARG) or "").strip()
        return cls(page=page_arg(args, PAGE_ARG),
                   sort=sort if sort in sorts else default_sort,
                   direction=direction if direction in (ASC, DESC) else default_direction,
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
