"""/draw in Chromium: draw 1, 0 and 7 with the mouse like a person, read the prediction, time it."""
from __future__ import annotations

import math
import statistics
import time

import pytest

from playground.i18n import t

pytestmark = pytest.mark.e2e
LOAD_MS = 90_000


def _one() -> list[list[tuple[float, float]]]:
    return [[(140 + 0.05 * i, 45 + 9.5 * i) for i in range(21)]]  # one vertical stroke


def _zero() -> list[list[tuple[float, float]]]:
    return [[(140 + 70 * math.sin(2 * math.pi * i / 36), 140 - 100 * math.cos(2 * math.pi * i / 36))
             for i in range(38)]]  # a tall ellipse, closed


def _seven() -> list[list[tuple[float, float]]]:
    bar = [(70 + 7 * i, 50) for i in range(21)]  # top bar, left to right
    diagonal = [(210 - 4.5 * i, 50 + 9.5 * i) for i in range(1, 21)]  # down to the lower left
    return [bar + diagonal]


def draw(page, strokes) -> None:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for points in strokes:
        x, y = points[0]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=3)


def test_drawn_digits_are_recognised(server, page):
    lang = "en"
    page.goto(f"{server}/draw?lang={lang}")
    page.get_by_role("heading", name=t("page.draw.title", lang), exact=True).first.wait_for(timeout=LOAD_MS)
    hint = page.get_by_text(t("draw.empty", lang))
    hint.wait_for(timeout=LOAD_MS)
    page.locator("canvas.upper-canvas").first.wait_for(timeout=LOAD_MS)
    latencies = []
    for digit, strokes in ((1, _one()), (0, _zero()), (7, _seven())):
        draw(page, strokes)
        start = time.perf_counter()
        page.mouse.up()
        expected = t("draw.prediction", lang, digit=digit)
        heading = page.get_by_role("heading", name=t("draw.prediction", lang, digit="").strip())
        heading.first.wait_for(timeout=LOAD_MS)
        latencies.append((time.perf_counter() - start) * 1000)
        assert heading.first.inner_text().strip() == expected, heading.first.inner_text()
        assert page.locator("[data-testid=stException]").count() == 0
        page.get_by_role("button", name=t("draw.clear", lang)).click()
        hint.wait_for(timeout=LOAD_MS)
    median = statistics.median(latencies)
    print(f"\n/draw mouse-up -> prediction text: median {median:.0f} ms "
          f"(samples {', '.join(f'{v:.0f}' for v in latencies)} ms)")
