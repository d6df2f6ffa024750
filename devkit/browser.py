"""A real browser for the tests that use the site as a person does: Debian's chromium, driven
headless by selenium through chromedriver, with a screenshot of each step kept for a reviewer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from servicekit.config import VAR_DIR

SCREENSHOTS_DIR = VAR_DIR / "screenshots"
# Debian's packages (`apt-get install chromium chromium-driver`; .ci/run installs them).
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def missing() -> str:
    """Why no browser can run here ("" when one can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is not installed: apt-get install chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: make .venv/.dev-installed"
    return ""


def chromium(width: int = 1280, height: int = 1000):
    """A headless chromium of a fresh profile (no cookies, no cache), a page `width` x `height`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # as root, in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    return driver


class Screenshots:
    """Numbered PNGs of the steps of one test, in var/screenshots/<name>/ (emptied first)."""

    def __init__(self, driver, name: str):
        self.driver = driver
        self.folder = SCREENSHOTS_DIR / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def take(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        self.driver.save_screenshot(str(path))
        return path
