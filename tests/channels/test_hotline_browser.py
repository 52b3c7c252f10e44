"""The hotline console and dashboard in Debian's headless Chromium, driven by Playwright (never a
downloaded browser): sign in, a Vietnamese caller question, a sourced suggestion copied and marked
helpful, a report filed for the caller with its code read back, the end-of-call summary, the English
toggle, and the supervisor's charts drawn. Screenshots go to test-output/hotline-browser/."""
import re
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.channels.conftest import AGENT, SUPERVISOR
from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = PROJECT_ROOT / "test-output" / "hotline-browser"
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (requirements/rasa.txt)")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def sign_in(browser, console_url, user):
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console_url.split("/webhooks")[0])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{console_url}/")
    assert page.url.endswith("/webhooks/hotline/login")  # no session: the sign-in page
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("#login-button")
    page.wait_for_url(f"{console_url}/")
    page.wait_for_selector("body[data-ready=true]")
    return context, page


def test_agent_answers_a_caller_and_files_a_report(browser, console_url):
    context, page = sign_in(browser, console_url, AGENT)
    try:
        assert page.inner_text("#who") == f"{AGENT[0]} (agent)"
        assert page.is_hidden("#dashboard-link")
        page.fill("#caller-phone", "0905 123 456")
        page.click("#start-call")
        page.wait_for_selector("#end-call:enabled")

        page.fill("#utterance", "làm căn cước công dân ở đâu vậy")
        page.click("#send-utterance")
        page.locator("#suggestions .suggestion").nth(2).wait_for()
        assert page.locator("#suggestions .suggestion").count() == 3
        assert page.inner_text("#intent").startswith("ask_procedure")
        first = page.locator("#suggestions .suggestion").first
        assert first.get_attribute("data-entry") == "proc.citizen_id_card"
        source = first.locator("a.source")
        assert source.get_attribute("href").startswith("http")
        assert re.match(r"^\d+%$", first.locator(".confidence").inner_text())
        page.screenshot(path=str(SHOTS / "1-suggestions.png"))

        first.locator("button.copy").click()
        first.locator(".feedback-status[data-verdict=used]").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert source.get_attribute("href") in copied and copied.startswith(first.locator(".title").inner_text())
        first.locator("button.fb-helpful").click()
        first.locator(".feedback-status[data-verdict=helpful]").wait_for()
        assert "Hữu ích" in first.locator(".feedback-status").inner_text()

        page.fill("#utterance", "đèn đường hỏng ở đường Lê Lợi mấy hôm nay")
        page.keyboard.press("Enter")
        page.wait_for_selector("#next-step[data-action=file_report]")
        page.click("#prefill-report")
        assert page.input_value("#report-category") == "street_lighting"
        assert page.input_value("#report-place").startswith("đường Lê Lợi")
        assert page.input_value("#report-phone") == "0905 123 456"
        page.click("#file-report")
        page.wait_for_selector("#report-result:not([hidden])")
        code = page.inner_text("#report-code")
        assert re.match(r"^HUE-\d{4}-\d{6}$", code)
        page.screenshot(path=str(SHOTS / "2-report-filed.png"))

        page.click("#end-call")
        page.wait_for_selector("#summary:not([hidden])")
        assert page.inner_text("dd[data-field=report_codes]") == code
        assert "proc.citizen_id_card" in page.inner_text("dd[data-field=entries_used]")
        assert page.inner_text("dd[data-field=utterances]") == "2"

        page.click("#lang-toggle")
        assert page.inner_text("#suggestions-heading") == "Suggested answers"
        assert page.evaluate("document.documentElement.lang") == "en"
        page.screenshot(path=str(SHOTS / "3-summary-english.png"))
        # Fits a 1366x768 screen: no horizontal scrolling of the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]

        refused = page.goto(f"{console_url}/dashboard")
        assert refused.status == 403
    finally:
        context.close()


def test_supervisor_sees_the_charts_drawn(browser, console_url):
    context, page = sign_in(browser, console_url, SUPERVISOR)
    try:
        assert page.is_visible("#dashboard-link")
        page.click("#dashboard-link")
        page.wait_for_selector("body[data-ready=true]")
        charts = page.evaluate("Object.keys(window.hotlineCharts).sort()")
        assert charts == ["chart-channels", "chart-questions", "chart-reports", "chart-satisfaction",
                          "chart-suggestions"]
        # Every canvas has been painted: some non-transparent pixels.
        painted = page.evaluate("""() => Object.keys(window.hotlineCharts).map((id) => {
            const canvas = document.getElementById(id);
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let count = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
            return count;
        })""")
        assert all(count > 500 for count in painted), painted
        # The figures are the stores': the report filed by the agent test is in the reports chart.
        reports = page.evaluate("window.hotlineCharts['chart-reports'].data.labels")
        assert "Chiếu sáng công cộng" in reports
        assert page.inner_text("#calls-count") != "–"
        page.screenshot(path=str(SHOTS / "4-dashboard.png"))
    finally:
        context.close()
