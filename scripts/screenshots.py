"""Take the README's screenshots from a running demo server (dev tool; needs Debian's chromium).

Usage: python scripts/screenshots.py BASE_URL HANDLER_USERNAME HANDLER_PASSWORD [COORD_USER COORD_PASSWORD]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _login(page, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")


def main() -> None:
    """Save board, department inbox (and coordinator case) screenshots."""
    base, user, password = sys.argv[1:4]
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="zh-CN")
        page.goto(f"{base}/board")
        page.screenshot(path=str(OUT / "public-board.png"), full_page=True)
        _login(page, base, user, password)
        page.screenshot(path=str(OUT / "department-inbox.png"), full_page=True)
        if len(sys.argv) >= 6:
            page.click("header button.link")
            _login(page, base, sys.argv[4], sys.argv[5])
            page.click("table a")
            page.screenshot(path=str(OUT / "triage.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
