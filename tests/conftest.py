"""Browser-test fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium is /usr/bin/chromium (IOC_CHROMIUM overrides). When it is missing and we run as root, it is
installed with `apt-get install -y chromium`; otherwise the browser tests are skipped with a message saying
how to install it, except with CI=true, where a missing browser fails the run.

Every page a test opens is watched: a console error (a CSP violation, a missing file, a script error) fails
the test. Screenshots go to test-artifacts/screenshots/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT_DIR / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("IOC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _apt_install_chromium() -> str | None:
    """Install Debian's chromium; None when it worked, else why not."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "chromium"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:  # perhaps the package lists are stale or absent
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return f"`apt-get install -y chromium` failed: {(result.stderr or result.stdout).strip()[-500:]}"
    return None


def ensure_chromium() -> str:
    """The path of Chromium, installing it when we may; skips (or fails with CI=true) when it cannot be had."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        why = _apt_install_chromium()
        if why is None and Path(CHROMIUM).exists():
            return CHROMIUM
        why = why or f"apt-get installed chromium but {CHROMIUM} is still missing"
    else:
        why = f"{CHROMIUM} is missing; install it with `sudo apt-get install chromium` (or set IOC_CHROMIUM)"
    if _ci():
        pytest.fail(f"browser tests: {why} (CI=true requires them)", pytrace=False)
    pytest.skip(f"browser tests skipped: {why}")


def ensure_assets() -> None:
    """The pages load htmx from ioc/static/vendor/: build it when missing (skipped when up to date)."""
    from ioc.core.assets import AssetBuildError, build

    try:
        build(log=False)
    except AssetBuildError as exc:
        why = f"the static assets are not built and cannot be: {exc}"
        if _ci():
            pytest.fail(f"browser tests: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = ensure_chromium()
    ensure_assets()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM (used by the fixtures that
    # create test data) refuses to run inside one unless told it is safe. It is: nothing here is async.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageErrors:
    """Console errors and uncaught exceptions of the pages a test opened."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def expect_http_status(self, status: int) -> int:
        """Chromium logs a page answered with an error status (404, 429) as a failed resource: a test that
        expects such a page takes those messages off the list. Returns how many it took."""
        expected = [m for m in self.messages if f"status of {status} " in m]
        for message in expected:
            self.messages.remove(message)
        return len(expected)

    def watch(self, page: Page) -> Page:
        page.on("console", lambda msg: self.messages.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.messages.append(f"page error: {exc}"))
        return page


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def new_page(browser: Browser, page_errors: PageErrors) -> Iterator[Callable[..., Page]]:
    """new_page("phone") -> a page in a fresh browser context (own cookies) of that size ("desktop": 1366×900,
    "phone": 390×844), watched for console errors."""
    contexts: list[Any] = []

    def make(viewport: str = "desktop") -> Page:
        context = browser.new_context(viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
        contexts.append(context)
        return page_errors.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()
    assert not page_errors.messages, "errors in the browser console:\n" + "\n".join(page_errors.messages)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, "home-vi-desktop") -> test-artifacts/screenshots/home-vi-desktop.png (full page)."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
