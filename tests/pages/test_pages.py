"""AppTest opens every page listed in app.py, in both languages: no exception, no st.error."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.course import PAGES
from playground.i18n import t
from tests.pages.conftest import APP

TIMEOUT = 120


def open_page(file: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    if file != "pages/home.py":
        at.switch_page(file).run()
    return at


def test_every_page_is_registered_in_app_py():
    text = open(APP, encoding="utf-8").read()
    assert "PAGES" in text and "st.navigation" in text
    assert {p.file for p in PAGES} >= {"pages/home.py", "pages/build.py"}
    assert len({p.url_path for p in PAGES}) == len(PAGES)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.key)
def test_page_opens_clean(page, lang):
    at = open_page(page.file, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value == t(f"page.{page.key}.title", lang) or page.key == "home"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_home_lists_the_course_in_the_chosen_language(lang):
    at = open_page("pages/home.py", lang)
    text = " ".join(m.value for m in at.markdown)
    assert t("topic.gnn.title", lang) in text and t("topic.build.title", lang) in text
    assert at.title[0].value == t("home.title", lang)
    assert at.session_state["lang"] == lang


def test_language_defaults_to_english_without_locale_or_query():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert at.session_state["lang"] == "en"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_heavy_libraries_are_not_imported_by_opening_pages():
    """TensorFlow, Captum and torch_geometric load only inside the functions that use them."""
    import subprocess
    import sys

    code = (
        "import sys; from streamlit.testing.v1 import AppTest;"
        f"at = AppTest.from_file({APP!r}, default_timeout=120); at.run();"
        "at.switch_page('pages/build.py').run(); assert not at.exception;"
        "print(sorted(m for m in ('tensorflow', 'keras', 'captum', 'torch_geometric') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
