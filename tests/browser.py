"""Headless Chromium for tests: Debian's chromium + chromedriver (`make browser`), via selenium.

    with chromium() as browser:
        page = browser.open(path)            # file:// URL, waits for the load event
        page.errors                          # console messages of level SEVERE
        page.requests                        # every URL the page asked the network for
        browser.driver.execute_script(...)   # the selenium WebDriver, for anything else

Offline and private: a fresh profile per browser, QUIC, sync, component updates and background
networking off; selenium's driver manager is never called (explicit binary and driver paths).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path(os.environ.get("FINOPS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("FINOPS_CHROMEDRIVER", "/usr/bin/chromedriver"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
    "--hide-scrollbars",
]


class BrowserMissing(RuntimeError):
    pass


@dataclass
class Page:
    url: str
    errors: list[dict] = field(default_factory=list)  # console entries of level SEVERE
    console: list[dict] = field(default_factory=list)  # every console entry
    requests: list[str] = field(default_factory=list)  # URLs requested (Network.requestWillBeSent)


class Browser:
    def __init__(self, driver) -> None:
        self.driver = driver

    def open(self, path: Path, *, width: int = 1400, height: int = 1000) -> Page:
        """Load a local file and wait for it; collect console errors and requested URLs."""
        self.driver.set_window_size(width, height)
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.get_log("performance")
        url = Path(path).resolve().as_uri()
        self.driver.get(url)  # returns after the load event (page load strategy 'normal')
        page = Page(url)
        page.console = self.driver.get_log("browser")
        page.errors = [e for e in page.console if e.get("level") == "SEVERE"]
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                page.requests.append(message["params"]["request"]["url"])
        return page

    def screenshot(self, out: Path, *, width: int = 1400, full_page: bool = True) -> Path:
        """A PNG of the current page; full_page grows the window to the document's height."""
        if full_page:
            height = self.driver.execute_script(
                "return Math.min(document.documentElement.scrollHeight, 16000)"
            )
            self.driver.set_window_size(width, int(height) + 40)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(out))
        return Path(out)


def missing() -> str | None:
    """Why the browser cannot start here, or None."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            return (
                f"{binary} not found: run `make browser` (installs the Debian packages chromium "
                "and chromium-driver; `make test` does it first)"
            )
    return None


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium with a fresh profile, closed (and the profile removed) on exit."""
    reason = missing()
    if reason:
        raise BrowserMissing(reason)
    os.environ.setdefault("SE_AVOID_STATS", "true")  # selenium's manager: never phone home
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="finops-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(60)
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
