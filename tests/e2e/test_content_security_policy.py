"""The browser enforces the Content-Security-Policy, and the e2e watch reports what it blocks."""

from playwright.sync_api import expect

from tests.e2e.test_appraisal import session


def test_an_injected_inline_script_is_blocked_and_reported(page, no_csp_violations):
    page.goto("/accounts/login/")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    assert no_csp_violations == []

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true;";
          document.body.append(script);
          const button = document.createElement("button");
          button.setAttribute("onclick", "window.clicked = true;");
          button.id = "injected-button";
          document.body.append(button);
        }"""
    )
    page.click("#injected-button")
    for _attempt in range(50):  # the console events arrive asynchronously
        if len(no_csp_violations) >= 4:
            break
        page.wait_for_timeout(100)

    assert page.evaluate("() => window.injected === undefined && window.clicked === undefined")
    watched = "\n".join(no_csp_violations)
    assert "securitypolicyviolation: script-src-elem blocked inline" in watched
    assert "securitypolicyviolation: script-src-attr blocked inline" in watched
    assert "Executing inline script violates the following Content Security Policy directive" in watched
    assert "Executing inline event handler violates the following Content Security Policy directive" in watched
    # Seen and checked: the watch must not fail this test at teardown.
    no_csp_violations.clear()


def test_the_admin_export_page_works_without_inline_handlers(
    browser, live_server, transactional_db, coordinator, finance, ba_dinh, screenshot_dir
):
    admin = session(browser, live_server, "noivu", admin=True)
    admin.goto("/admin/accounts/unit/")
    expect(admin.locator("#result_list")).to_contain_text("Quận Ba Đình")
    admin.screenshot(path=str(screenshot_dir / "admin-unit-list.png"), full_page=True)

    admin.goto("/admin/accounts/unit/export/")
    columns = admin.locator('.selectable-field-export-row input[type="checkbox"]')
    assert columns.count() > 3
    assert all(box.is_checked() for box in columns.all())
    admin.locator("input.select-toggle").uncheck()
    assert not any(box.is_checked() for box in columns.all())
    admin.locator("input.select-toggle").check()
    assert all(box.is_checked() for box in columns.all())
    admin.screenshot(path=str(screenshot_dir / "admin-unit-export.png"), full_page=True)

    admin.locator("#id_format").select_option(index=1)
    with admin.expect_download() as download:
        admin.get_by_role("button", name="Gửi").click()
    assert download.value.suggested_filename.endswith((".csv", ".xlsx"))
