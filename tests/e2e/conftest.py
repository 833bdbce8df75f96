"""A real Chromium (Debian's package) driven by Playwright; never a downloaded browser."""

import os
import threading
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Every page records the Content-Security-Policy violations it sees (the event carries the blocked URI and the
# directive), in addition to Chromium's console messages about them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile || document.location.href}:${event.lineNumber} (${event.sample || ""})`);
});
"""
CSP_CONSOLE_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to", "Permissions-Policy")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser(live_server):
    # Asking for the live server first makes it outlive the browser: the browser's keep-alive
    # connections are closed while the server still runs.
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (.ci/run installs chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from django.db.backends.signals import connection_created
    from playwright.sync_api import sync_playwright

    # While Playwright's event loop runs, the ORM keeps connections per context (asgiref.Local), out of
    # reach of close_all(): track the ones this thread opens and close them, or PostgreSQL cannot drop
    # the test database at the end.
    opened, this_thread = [], threading.get_ident()

    def track(sender, connection, **kwargs):
        if threading.get_ident() == this_thread:
            opened.append(connection)

    connection_created.connect(track, weak=False, dispatch_uid="e2e-track-connections")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        connection_created.disconnect(dispatch_uid="e2e-track-connections")
        for connection in opened:
            connection.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request, monkeypatch):
    """Fail the test at teardown when any browser context it opened reported a CSP violation."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    violations, page_errors = [], []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.expose_function("__cspViolation", lambda text: violations.append(f"securitypolicyviolation: {text}"))
        context.add_init_script(CSP_LISTENER)
        context.on(
            "console",
            lambda message: (
                violations.append(f"console {message.type}: {message.text} ({message.location.get('url')})")
                if any(word in message.text for word in CSP_CONSOLE_WORDS)
                else None
            ),
        )
        context.on("weberror", lambda error: page_errors.append(str(error.error)))
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield violations
    problems = violations + [f"page error: {error}" for error in page_errors]
    if problems:
        pytest.fail("The browser reported Content-Security-Policy violations or script errors:\n" + "\n".join(problems))


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under build/screenshots/ and print where it is."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return take


def sign_in(page, username: str, *, admin: bool = False, password: str | None = None):
    """Sign in through the login page (the admin's with ``admin``), then type the second-factor code if asked.

    Staff users get a confirmed authenticator with the tests' known key before signing in
    (tests/second_factor.py), so the code page, not the enrolment page, follows the password.
    """
    from accounts.models import User
    from accounts.two_factor.selectors import second_factor_required
    from tests.conftest import PASSWORD
    from tests.second_factor import totp_code, totp_device_for

    user = User.objects.get(username=username)
    device = totp_device_for(user) if second_factor_required(user) else None
    page.goto("/admin/login/" if admin else "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password or PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if device is not None:
        page.wait_for_url("**/accounts/otp/verify/**")
        page.get_by_label("Mã xác thực").fill(totp_code(device))
        page.get_by_role("button", name="Xác nhận").click()
        page.wait_for_load_state()
    return page
