"""Headless Chromium (Debian package) driven by Playwright; no browser download needed.
Under CI=true a missing Chromium fails the test instead of skipping it."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

from lei_pipeline_tests.support.real_components import skip_or_fail

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The resolver rule keeps Chromium off the (closed) network: CDN requests fail at once
# instead of timing out, and loopback stays reachable.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"]


def require_chromium() -> str:
    if not os.path.exists(CHROMIUM):
        msg = "chromium is not installed (make test installs it via lei_pipeline_tests/support/system_deps.py)"
        skip_or_fail(msg, msg)
    return CHROMIUM


@contextmanager
def chromium_page():
    from playwright.sync_api import sync_playwright

    exe = require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.dialogs = []
            page.page_errors = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: page.page_errors.append(str(e)))
            yield page
        finally:
            browser.close()
