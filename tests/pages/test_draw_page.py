"""The Draw page in AppTest: opens clean in both languages; an empty canvas gives a hint, no prediction."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_draw(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/draw.py").run()
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_empty_canvas_shows_the_hint_and_no_prediction(lang):
    at = open_draw(lang)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("page.draw.title", lang)
    assert [i.value for i in at.info] == [t("draw.empty", lang)]
    prefix = t("draw.prediction", lang, digit="").strip()
    assert not any(s.value.startswith(prefix) for s in at.subheader)
    assert not at.warning
