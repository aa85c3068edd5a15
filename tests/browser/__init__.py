"""Browser tests: the real pages in Debian's chromium, driven by Playwright."""
