"""Submitting a report through the pages, as a coordinator (or an admin) would."""

from __future__ import annotations

import re

from tests.report.test_flow import PAGES, save

HYPERLINK = '=HYPERLINK("http://example.org","x")'


def submit(client, number: str = "3405", **changes: dict[str, object]) -> None:
    """Fills every page (PAGES, with `changes` per page merged in) and submits."""
    report = f"/rapporter/lavterskel-psykisk-helse/2022/{number}"
    for section, answers in PAGES.items():
        response = save(client, section, {**answers, **changes.get(section, {})},
                        report=report)
        assert response.status_code == 302, section
    summary = client.get(f"{report}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    sent = client.post(f"{report}/send", data={"key": key})
    assert sent.status_code == 303
    sent.close()  # as the WSGI server does once the receipt has gone: the rules run then
