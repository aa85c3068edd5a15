"""Export downloads for reviewers, auditors and admins, within their scope.

Each file is written to a temporary file first (bounded memory at any size), hashed,
audit-logged with its SHA-256 and row count, and only then sent: the log says exactly
what left the service. Downloading changes no record, so auditors may do it. A
coordinator, or anyone without `Action.EXPORT`, gets 404 like every other refusal.

The responses as CSV are one file per table (a CSV file holds one): `svar.csv` for the
main table and `svar-<groupcode>.csv` for each repeating group of the round's
questionnaire (404 for a code that is not one of them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app import audit
from survey_app.access import Action, requires
from survey_app.extensions import db
from survey_app.lookups import round_or_404
from survey_app.models import Round
from survey_app.models.users import utcnow
from survey_app.services import export_data

bp = Blueprint("downloads", __name__)

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FILE_NAMES = {"economy": "okonomi", "responses": "svar"}
CHUNK = 1 << 16


@bp.route("/eksport")
@requires(Action.EXPORT)
def index() -> str:
    found = db.session.scalars(sa.select(Round).order_by(Round.deadline.desc(), Round.id)).all()
    groups = {round_.id: export_data.repeating_groups(round_) for round_ in found}
    return render_template("downloads/index.html", rounds=found, groups=groups)


def _download(slug: str, year: int, kind: str, fmt: str, group: str | None = None) -> Response:
    round_ = round_or_404(slug, year)
    if group is not None and group not in {g.code for g in export_data.repeating_groups(round_)}:
        abort(404)
    handle, name = tempfile.mkstemp(suffix=f".{fmt}", prefix="eksport-")
    os.close(handle)
    path = Path(name)
    try:
        written = export_data.write_export(kind, fmt, round_, current_user, path,
                                           utcnow().replace(microsecond=0), current_user.email,
                                           group=group)
        # A group's file is named as the command line names it beside the main table.
        table = FILE_NAMES[kind] if group is None else f"{FILE_NAMES[kind]}.{group}"
        download_name = f"{slug}-{year}-{table}.{fmt}"
        audit.record("export.download", "round", round_.key,
                     after=written.audit_facts(download_name))
        db.session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    response = Response(_chunks(path), mimetype=MIMETYPES[fmt], direct_passthrough=True)
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-SHA256"] = written.sha256
    return response


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in blocks, opened only when the server starts sending it, and removed
    once sent (or, if never sent, when the server closes the response)."""
    with path.open("rb") as stream:
        path.unlink(missing_ok=True)  # the open stream keeps the data until it is sent
        yield from iter(lambda: stream.read(CHUNK), b"")


@bp.route("/eksport/<slug>/<int:year>/okonomi.xlsx")
@requires(Action.EXPORT)
def economy_xlsx(slug: str, year: int) -> Response:
    return _download(slug, year, "economy", "xlsx")


@bp.route("/eksport/<slug>/<int:year>/svar.xlsx")
@requires(Action.EXPORT)
def responses_xlsx(slug: str, year: int) -> Response:
    return _download(slug, year, "responses", "xlsx")


@bp.route("/eksport/<slug>/<int:year>/svar.csv")
@requires(Action.EXPORT)
def responses_csv(slug: str, year: int) -> Response:
    return _download(slug, year, "responses", "csv")


@bp.route("/eksport/<slug>/<int:year>/svar-<group>.csv")
@requires(Action.EXPORT)
def responses_group_csv(slug: str, year: int, group: str) -> Response:
    return _download(slug, year, "responses", "csv", group=group)
