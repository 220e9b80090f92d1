"""The app in Chromium: deep links, navigation to every page in both languages, a live edit."""
from __future__ import annotations

import pytest

from playground.course import PAGES
from playground.i18n import t
from tests.e2e.conftest import free_port, start_server, stop_server

pytestmark = pytest.mark.e2e
LOAD_MS = 90_000


def wait_for_title(page, text: str) -> None:
    page.get_by_role("heading", name=text, exact=True).first.wait_for(timeout=LOAD_MS)


def assert_clean(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0


def test_deep_link_on_a_fresh_server_goes_through_the_router(browser):
    """The first ever request is /build: the sidebar, language and wide layout must be there."""
    port = free_port()
    proc = start_server(port)
    try:
        context = browser.new_context(locale="es-ES")
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/build")
        wait_for_title(page, t("page.build.title", "es"))  # language from the browser's locale
        nav = page.locator("[data-testid=stSidebarNav]")
        assert nav.get_by_text(t("page.home.title", "es"), exact=True).count() == 1
        assert nav.get_by_text("widgets", exact=True).count() == 0  # no legacy pages/ listing
        assert_clean(page)
        context.close()
    finally:
        stop_server(proc)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_navigation_reaches_every_page(server, page, lang):
    page.goto(f"{server}/?lang={lang}")
    wait_for_title(page, t("home.title", lang))
    assert_clean(page)
    for info in PAGES:
        if info.key == "home":
            continue
        title = t(f"page.{info.key}.title", lang)
        page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
        wait_for_title(page, title)
        page.wait_for_timeout(1500)  # let the page finish its run
        assert_clean(page)
        assert f"/{info.url_path}" in page.url
    page.locator("[data-testid=stSidebarNav]").get_by_text(t("page.home.title", lang), exact=True).click()
    wait_for_title(page, t("home.title", lang))


def test_language_switch_translates_the_page(server, page):
    page.goto(f"{server}/?lang=en")
    wait_for_title(page, t("home.title", "en"))
    page.locator("[data-testid=stSidebar]").get_by_text("Español", exact=True).click()
    wait_for_title(page, t("home.title", "es"))
    assert "lang=es" in page.url


def test_editing_a_layer_updates_the_summary_live(server, page):
    page.goto(f"{server}/build?lang=en")
    wait_for_title(page, t("page.build.title", "en"))
    page.get_by_text("347,146").first.wait_for(timeout=LOAD_MS)
    box = page.get_by_role("spinbutton", name=t("param.filters", "en")).first
    box.fill("8")
    box.press("Enter")
    expected = 8 * 9 + 8 + 8 * 13 * 13 * 64 + 64 + 650
    page.get_by_text(f"{expected:,}").first.wait_for(timeout=LOAD_MS)
    assert_clean(page)
    assert "spec=" in page.url  # the edited model is in the address, ready to share
