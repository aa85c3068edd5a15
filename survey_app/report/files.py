"""Files uploaded into a report (``ResponseFile``), downloaded as they were uploaded.

Read like a receipt: by the report's coordinator and by whoever reads the municipality's
case (reviewers, auditors, admins within their scope; issue 13), so the auditor can check
the economy report a figure came from against its SHA-256.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app import audit, tabular
from survey_app.access import Action, requires
from survey_app.extensions import db
from survey_app.lookups import report_or_404
from survey_app.models import Grant, GrantStatus, ResponseFile, StoredFile
from survey_app.models import Response as ReportResponse
from survey_app.services import accounts, responses
from survey_app.services.economy_workbook import XLSX_TYPE, has_macros, keep_bytes, safe_name

bp = Blueprint("report_files", __name__, url_prefix="/rapporter/<slug>/<int:year>/<number>")


@bp.route("/filer/<int:file_id>")
@requires(Action.READ_RECEIPTS)
def download(slug: str, year: int, number: str, file_id: int) -> Response:
    report = report_or_404(slug, year, number, Action.READ_RECEIPTS)
    if report.response is None:
        abort(404)
    # The file must belong to this report: another report's file id in the URL is 404.
    row = db.session.execute(
        sa.select(ResponseFile, StoredFile).join(
            StoredFile, StoredFile.sha256 == ResponseFile.sha256)
        .where(ResponseFile.id == file_id,
               ResponseFile.response_id == report.response.id)).first()
    if row is None:
        abort(404)
    found, stored = row
    ascii_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else "_"
                         for ch in found.filename) or "fil.xlsx"
    return Response(stored.data, mimetype=found.content_type, headers={
        "Content-Disposition": f'attachment; filename="{ascii_name}"',
        "X-Content-SHA256": found.sha256})


# ---- the accounts' attachments (issue 16, item 5) --------------------------------------

# The address word of each attachment a scheme's `accounts` may require.
ATTACHMENT_KINDS = {"regnskap": accounts.ACCOUNTS_FILE,
                    "revisorattestasjon": accounts.ATTESTATION_FILE}


@bp.app_template_global()
def accounts_requirements(grant: Grant, response: ReportResponse | None) -> list[Any]:
    """What the report must carry as accounts and whether it does (summary and case)."""
    return accounts.requirements_of(grant, response)


@bp.app_template_global()
def accounts_missing(grant: Grant, response: ReportResponse | None) -> list[str]:
    """What the report still lacks of its accounts: while anything, it is not submitted."""
    return accounts.missing(grant, response)


@bp.route("/vedlegg/<kind>", methods=["POST"])
@requires(Action.REPORT)
def attach(slug: str, year: int, number: str, kind: str) -> WerkzeugResponse | tuple[str, int]:
    """Uploads the accounts or the auditor's attestation a scheme requires (a PDF or an
    .xlsx), kept by SHA-256 with a ResponseFile row and an audit event; refused plainly,
    storing nothing, when it is not one."""
    report = report_or_404(slug, year, number, Action.REPORT)
    grant, response = report.grant, report.response
    wanted = ATTACHMENT_KINDS.get(kind)
    if wanted is None or wanted not in [r.kind for r in accounts.requirements_of(grant,
                                                                                  response)]:
        abort(404)
    urls: dict[str, Any] = {"slug": slug, "year": str(year), "number": number}
    if grant.status in (GrantStatus.OPTED_OUT, GrantStatus.CLOSED) or (
            response is not None and response.status not in responses.EDITABLE):
        return redirect(url_for("report.overview", **urls), code=303)
    posted = request.files.get("attachment")
    if posted is None or not posted.filename:
        return _refused(grant, report.municipality, urls,
                        _("Choose the file (PDF or .xlsx) to upload."))
    try:
        data = posted.stream.read(ATTACHMENT_CAP + 1)
    finally:
        posted.close()
    content_type, problem = attachment_type(data, posted.filename)
    if problem is not None:
        return _refused(grant, report.municipality, urls, problem)
    started = response or responses.start(grant, current_user.email)
    store_attachment(started.id, wanted, data, posted.filename, content_type,
                     current_user.email)
    flash(_("The file was uploaded."), "success")
    return redirect(url_for("report.summary", **urls), code=303)


# The project's choice (no seed gives sizes): a scanned attestation or the accounts as PDF,
# below the request cap (1 MB).
ATTACHMENT_CAP = 900 * 1024
PDF_TYPE = "application/pdf"


def attachment_type(data: bytes, filename: str) -> tuple[str, str | None]:
    """The file's type (PDF or xlsx), or why it is refused: too large, empty, macros, a
    zip bomb (the imports' guard), neither PDF nor xlsx."""
    if len(data) > ATTACHMENT_CAP:
        return "", _("The file is larger than %(kb)d kB. Save it smaller (for example as a "
                     "PDF with a lower resolution) and upload it again.",
                     kb=ATTACHMENT_CAP // 1024)
    if data.startswith(b"%PDF-"):
        return PDF_TYPE, None
    if not data.startswith(b"PK\x03\x04"):
        return "", _("The file is neither a PDF nor an Excel workbook (.xlsx). Save it as "
                     "one of those and upload it again.")
    if has_macros(data, filename):
        return "", _("The file contains macros (.xlsm). Save it as an ordinary Excel "
                     "workbook (.xlsx) or as a PDF and upload it again.")
    try:
        tabular._check_archive(data, tabular.LIMITS)  # the imports' zip-bomb guard
    except tabular.TableError:
        return "", _("The file cannot be read as an Excel workbook, or it unpacks to far "
                     "more than a spreadsheet does. Save it as a PDF and upload it again.")
    return XLSX_TYPE, None


def store_attachment(response_id: int, question_id: str, data: bytes, filename: str,
                     content_type: str, actor: str) -> ResponseFile:
    digest = hashlib.sha256(data).hexdigest()
    keep_bytes(digest, data, content_type)
    row = ResponseFile(response_id=response_id, section_id=accounts.ATTACHMENTS,
                       question_id=question_id, filename=safe_name(filename, "vedlegg"),
                       sha256=digest, content_type=content_type, size=len(data),
                       response_version=None, uploaded_by=actor)
    db.session.add(row)
    db.session.flush()
    audit.record("response.upload-file", "response", str(response_id),
                 after={"section": accounts.ATTACHMENTS, "question": question_id,
                        "file": row.id, "sha256": digest, "size": len(data)})
    db.session.commit()
    return row


def _refused(grant: Grant, municipality: Any, urls: dict[str, Any],
             problem: str) -> tuple[str, int]:
    return render_template("report/attachment_refused.html", grant=grant, m=municipality,
                           urls=urls, problems=[problem]), 400
