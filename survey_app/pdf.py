"""HTML to PDF for the service's documents (claim letters, receipts), with WeasyPrint.

A state document is read by screen readers too: every PDF is tagged PDF/UA-1 (its
structure, language and title inside it), and its fonts are embedded. The letters' style
sheet (templates/pdf/document.html) asks for DejaVu Sans (Debian: fonts-dejavu-core, installed
by scripts/test-system-deps.sh), which covers Norwegian and the Sámi letters (á č đ ŋ š ŧ ž),
so no character is dropped or replaced.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0).
"""

from __future__ import annotations

from typing import Any

from weasyprint import HTML
from weasyprint.pdf import VARIANTS


def _tagged() -> dict[str, Any]:
    # WeasyPrint 59+ writes PDF/UA-1 (tagged, with its metadata); before it only tags.
    return {"pdf_variant": "pdf/ua-1"} if "pdf/ua-1" in VARIANTS else {"pdf_tags": True}


def html_to_pdf(html: str) -> bytes:
    """A complete HTML document (with <html lang> and <title>) as a tagged PDF."""
    pdf = HTML(string=html).write_pdf(**_tagged())
    assert pdf is not None  # without a target WeasyPrint returns the bytes
    return bytes(pdf)
