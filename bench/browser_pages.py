"""Every page type as a browser gets it (issue 14's budget: p95 under 300 ms, HTML under
500 KB), on SQLite with the demo data (357 grants, 132 flags), side by side with the bare
Flask floor in the same run.

The demo is served by waitress in this process, Chromium (Debian's, through Playwright)
opens each page of `scripts/screenshots.py`'s list `LOADS` times, and the Navigation
Timing of each load gives the time from the request to the last byte of the HTML
(`responseEnd - requestStart`: the server's work and the transfer, not the painting).
The floor is the same measurement of `bench.bare_app` served the same way.

    .venv/bin/python bench/browser_pages.py [LOADS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from waitress import create_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import screenshots  # noqa: E402

from bench.bare_app import app as bare_app  # noqa: E402

TIMING = ("() => { const t = performance.getEntriesByType('navigation')[0];"
          " return [t.responseEnd - t.requestStart, t.transferSize, t.decodedBodySize]; }")


def serve(app: object) -> tuple[object, str]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://localhost:{server.effective_port}"  # type: ignore[attr-defined]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def measure(page: Page, url: str, loads: int) -> tuple[list[float], int]:
    times: list[float] = []
    size = 0
    page.goto(url)  # a first load warms the caches of both ends
    for _ in range(loads):
        page.goto(url)
        elapsed, _transfer, size = page.evaluate(TIMING)
        times.append(elapsed)
    return times, size


def main(loads: int) -> int:
    with tempfile.TemporaryDirectory() as directory:
        app = screenshots.demo_app(Path(directory))
        server, base = serve(app)
        floor_server, floor_base = serve(bare_app)
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=screenshots.CHROMIUM)
            floor_page = browser.new_context().new_page()
            floor, _ = measure(floor_page, f"{floor_base}/", loads)
            pages: dict[str | None, Page] = {}
            for name, role, path in screenshots.PAGES:
                if role not in pages:
                    pages[role] = browser.new_context(locale="nb-NO").new_page()
                    if role:
                        screenshots.sign_in(pages[role], base, role)
                times, size = measure(pages[role], base + path, loads)
                rows.append((name, path, statistics.median(times), p95(times), size))
            browser.close()
        server.close()  # type: ignore[attr-defined]
        floor_server.close()  # type: ignore[attr-defined]
    floor_p95 = p95(floor)
    print(f"{loads} loads per page; floor (bare Flask, same server and browser): "
          f"median {statistics.median(floor):.1f} ms, p95 {floor_p95:.1f} ms")
    print(f"{'page':24} {'median ms':>9} {'p95 ms':>8} {'x floor':>8} {'HTML KB':>8}")
    for name, _path, median, high, size in sorted(rows, key=lambda r: -r[3]):
        print(f"{name:24} {median:9.1f} {high:8.1f} {high / floor_p95:8.1f} {size / 1000:8.1f}")
    worst = max(rows, key=lambda r: r[3])
    biggest = max(rows, key=lambda r: r[4])
    print(f"slowest p95: {worst[0]} {worst[3]:.0f} ms (budget 300 ms); "
          f"largest HTML: {biggest[0]} {biggest[4] / 1000:.0f} KB (budget 500 KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
