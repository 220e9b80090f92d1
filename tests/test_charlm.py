"""The character-level language model: training lowers the loss, sampling follows the temperature."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.charlm import (
    CharConfig,
    CharDone,
    CharLMError,
    CharStep,
    alphabet,
    check_text,
    encode_chars,
    next_char_probs,
    quick_charlm,
    sample,
    train_charlm,
)
from playground.i18n import catalogue
from playground.training import ErrorEvent

torch.set_num_threads(1)
TEXTS = Path(__file__).resolve().parents[1] / "assets" / "texts"
SMALL = CharConfig(hidden=48, steps=120, seq_len=32, lr=0.01, threads=1, report_every=20)


@pytest.fixture(scope="module")
def trained() -> CharDone:
    return quick_charlm((TEXTS / "en.txt").read_text(encoding="utf-8"), SMALL)


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@pytest.mark.parametrize("lang", ["es", "en"])
def test_shipped_texts_are_long_enough_and_several_paragraphs(lang):
    text = (TEXTS / f"{lang}.txt").read_text(encoding="utf-8")
    assert check_text(text) == text.strip()
    assert len([p for p in text.split("\n\n") if p.strip()]) >= 4


def test_alphabet_and_encoding():
    chars = alphabet("banana!")
    assert chars == ["!", "a", "b", "n"]
    assert encode_chars("ban?", chars).tolist() == [2, 1, 3]  # '?' is not in the alphabet: skipped


def test_training_learns_far_below_guessing(trained):
    first, last = trained.losses[0][1], trained.losses[-1][1]
    uniform = np.log(len(trained.chars))
    assert trained.reason == "finished"
    assert last < first and last < 0.75 * uniform


def test_sampling_is_seeded_and_stays_in_the_alphabet(trained):
    a = sample(trained.model, trained.chars, "The ", 80, 0.8, seed=1)
    b = sample(trained.model, trained.chars, "The ", 80, 0.8, seed=1)
    c = sample(trained.model, trained.chars, "The ", 80, 0.8, seed=2)
    assert a == b and a != c and len(a) == 80 and set(a) <= set(trained.chars)
    assert len(sample(trained.model, trained.chars, "", 10, 1.0)) == 10  # no prompt: starts anywhere


def test_low_temperature_sharpens_and_high_flattens(trained):
    cold = next_char_probs(trained.model, trained.chars, "the network", 0.3)
    warm = next_char_probs(trained.model, trained.chars, "the network", 1.0)
    hot = next_char_probs(trained.model, trained.chars, "the network", 2.0)
    for p in (cold, warm, hot):
        assert p.shape == (len(trained.chars),) and np.isclose(p.sum(), 1.0, atol=1e-5)
    assert _entropy(cold) < _entropy(warm) < _entropy(hot)
    assert cold.argmax() == warm.argmax() == hot.argmax()  # dividing by T never changes the favourite


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan"), 50.0])
def test_bad_temperature_is_refused(trained, temperature):
    with pytest.raises(CharLMError) as err:
        sample(trained.model, trained.chars, "a", 5, temperature)
    assert err.value.key == "rnn.lm.bad_temperature"


@pytest.mark.parametrize("text, key", [("too short", "rnn.lm.too_short"), ("ab" * 60_000, "rnn.lm.too_long"),
                                       ("".join(chr(0x4E00 + i) for i in range(300)), "rnn.lm.alphabet")])
def test_unusable_text_is_an_error_event(text, key):
    events = list(train_charlm(text, SMALL))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and events[0].key == key
    assert key in catalogue("es") and events[0].message("es") != events[0].message("en")


def test_stop_and_divergence_keep_a_usable_model():
    text = (TEXTS / "es.txt").read_text(encoding="utf-8")
    stop = threading.Event()
    stop.set()
    done = list(train_charlm(text, SMALL, stop))[-1]
    assert isinstance(done, CharDone) and done.reason == "stopped"
    events = list(train_charlm(text, CharConfig(hidden=16, steps=30, lr=1000.0, threads=1, report_every=5)))
    done = events[-1]
    assert done.reason == "diverged"
    assert len(sample(done.model, done.chars, "La ", 20, 1.0)) == 20  # the last good weights still write


def test_steps_are_reported(trained):
    events = list(train_charlm((TEXTS / "es.txt").read_text(encoding="utf-8"),
                               CharConfig(hidden=16, steps=20, report_every=5, threads=1)))
    steps = [e.step for e in events if isinstance(e, CharStep)]
    assert steps == [5, 10, 15, 20] and isinstance(events[-1], CharDone)
