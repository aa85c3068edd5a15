"""The goal-attainment dashboard of a round, for reviewers within their scope.

Charts are drawn on the server as SVG (the CSP allows no script and no inline style), each
with a title, a text alternative and its figures in a table beside it, so that nothing
is told by a picture or a colour alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.access import Action, requires
from survey_app.lookups import round_or_404
from survey_app.review.views import bp
from survey_app.services import dashboard
from survey_app.services.dashboard import Timeline

SIZE_LABELS = {
    "under-5000": _l("Under 5 000 inhabitants"),
    "5000-20000": _l("5 000–19 999 inhabitants"),
    "20000-100000": _l("20 000–99 999 inhabitants"),
    "over-100000": _l("100 000 inhabitants or more"),
}
STATUS_LABELS = {"submitted": _l("Submitted on time"), "late": _l("Submitted late")}


# ---- the response-rate chart ----------------------------------------------------------------


@dataclass(frozen=True)
class LineChart:
    """Coordinates of the cumulative response-rate chart, in SVG user units."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    line: str  # the polyline's points
    dots: list[tuple[float, float]]
    y_ticks: list[tuple[float, str]]  # (y, "50 %")
    x_ticks: list[tuple[float, str, str]]  # (x, "01.04.", text-anchor)
    deadline_x: float


WIDTH, HEIGHT, LEFT, TOP, RIGHT, BOTTOM = 640, 260, 56, 16, 624, 220


def _x(day: dt.date, start: dt.date, span: int) -> float:
    return round(LEFT + (day - start).days * (RIGHT - LEFT) / max(span, 1), 1)


def _y(percent: float) -> float:
    return round(BOTTOM - percent * (BOTTOM - TOP) / 100, 1)


def _anchor(day: dt.date, start: dt.date, end: dt.date) -> str:
    """The end labels are aligned inwards, so that no date runs off the drawing."""
    return "start" if day == start else ("end" if day == end else "middle")


# A date label is about 40 units wide at the chart's font size; closer labels would overlap.
TICK_GAP = 48


def _spaced_ticks(ticks: list[tuple[float, str, str]],
                  deadline_x: float) -> list[tuple[float, str, str]]:
    """The deadline's label always, the others only where they do not run into a kept one."""
    kept = [t for t in ticks if t[0] == deadline_x]
    for tick in ticks:
        if tick not in kept and all(abs(tick[0] - k[0]) >= TICK_GAP for k in kept):
            kept.append(tick)
    return sorted(kept)


def line_chart(timeline: Timeline) -> LineChart | None:
    """None when there is nothing to draw (no grants granted)."""
    if not timeline.points or not timeline.granted:
        return None
    start, end = timeline.points[0].day, timeline.points[-1].day
    span = (end - start).days
    dots = [(_x(p.day, start, span), _y(float(p.share or 0))) for p in timeline.points]
    ends = {start, timeline.deadline, end}
    return LineChart(
        width=WIDTH, height=HEIGHT, left=LEFT, top=TOP, right=RIGHT, bottom=BOTTOM,
        line=" ".join(f"{x},{y}" for x, y in dots), dots=dots,
        y_ticks=[(_y(p), f"{p}\u00a0%") for p in (0, 25, 50, 75, 100)],
        x_ticks=_spaced_ticks([(_x(day, start, span), day.strftime("%d.%m."),
                                _anchor(day, start, end)) for day in sorted(ends)],
                              _x(timeline.deadline, start, span)),
        deadline_x=_x(timeline.deadline, start, span))


# ---- the page -------------------------------------------------------------------------------


@bp.route("/gjennomgang/runder/<slug>/<int:year>/dashbord")
@requires(Action.REVIEW)
def dashboard_page(slug: str, year: int) -> str:
    round_ = round_or_404(slug, year)
    board = dashboard.build(round_, current_user, dashboard.Filters.from_args(request.args),
                            str(get_locale() or "nb"))
    return render_template(
        "review/dashboard.html", board=board, chart=line_chart(board.timeline),
        size_labels=SIZE_LABELS, status_labels=STATUS_LABELS,
        show=dashboard.show)
