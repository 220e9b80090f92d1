"""What the /rnn page computes that is not drawing: widget options, URL controls, job-event folding, readings.

``pages/rnn.py`` and ``pages/_rnn_widgets.py`` keep every Streamlit call; this module has none, so the
folding of a background job's events into the page's state, the sentiment read-outs and the gradient
numbers are unit-tested. Texts are translated through a ``tr(key, **kwargs)`` the page passes in.
The folds return the state updates by name (``progress``, ``result`` ...); the page stores them under
``rnn.<job>.<name>``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from playground import runs
from playground.charlm import CharDone, CharStep
from playground.data.text import encode, tokenize
from playground.rnn_inside import decay_per_step, gradient_through_time, hidden_states
from playground.series import SERIES_KINDS, SeriesConfig, SeriesDone, SeriesEpoch, split_point
from playground.share import Control, choice, flag, number
from playground.spec import ModelSpec
from playground.training import DoneEvent, ErrorEvent, TrainConfig

Translate = Callable[..., str]
TEXTS = Path(__file__).resolve().parents[1] / "assets" / "texts"  # the character model's default texts

LRS = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)
MAX_UNITS = 32  # heatmap rows shown at most: more would make each row too thin to read
SENT_LEN = 32  # words per sentence for the sentiment model
MAX_INSIDE_CHARS = 120  # characters of a typed text the inside view reads at most
# Widget options, shared with the page's URL controls (a link may only ask for what a widget offers).
CELLS = ("lstm", "gru", "rnn")
TEXT_LANGS = ("es", "en")
LM_HIDDEN = (32, 64, 128)
LM_STEPS = (100, 200, 300, 500, 800, 1200)
SENT_LANGS = ("both", "es", "en")
SENT_UNITS = (8, 16, 32, 64)
SENT_DIMS = (8, 16, 32)
GRAD_HIDDEN = (16, 32, 64)
# The Time series tab.
DEMO = SeriesConfig(window=20, horizon=25, hidden=24, epochs=15, lr=0.01)
N_RANGE = (150, 1000)  # points of a generated series
HIDDEN = (8, 16, 24, 32, 64)
MODELS = ("rnn", "lstm", "gru")
MODELS_URL = "rnn.url.models"  # the model picks as one text "rnn,gru", as the URL carries them
TEST_SHARE = 0.25  # the end of the series the forecasts are scored on


def model_names(tr: Translate) -> dict[str, str]:
    """Display names of the three cells and the naive baseline."""
    return {k: tr(f"rnn.model.{k}") for k in (*MODELS, "naive")}


def state_labels(tr: Translate) -> dict[str, str]:
    """Axis and hover labels of the hidden-state heatmaps."""
    return {k: tr(f"rnn.inside.{k}") for k in ("step", "unit", "input", "value")}


def model_picks(text: str) -> str:
    """``"gru, rnn"`` -> ``"rnn,gru"`` (the multiselect's order); an unknown model makes the value bad."""
    picks = [p.strip() for p in text.split(",") if p.strip()]
    if any(p not in MODELS for p in picks):
        raise ValueError(text)
    return ",".join(m for m in MODELS if m in picks)


# The settings a shared link carries, by URL name (an uploaded CSV or a trained model cannot travel in a URL).
# The Time series tab has plain names; the other tabs' names start with their part (lm_, sent_, grad_).
URL_CONTROLS = (
    choice("series", "rnn.series.kind", SERIES_KINDS), number("n", "rnn.series.n", *N_RANGE),
    number("noise", "rnn.series.noise", 0.0, 0.5, float), number("seed", "rnn.series.seed", 0, 10_000),
    number("window", "rnn.series.window", 2, 80),
    number("horizon", "rnn.series.horizon", 1, N_RANGE[1] - split_point(N_RANGE[1], TEST_SHARE)),
    choice("hidden", "rnn.series.hidden", HIDDEN, int), number("epochs", "rnn.series.epochs", 1, 200),
    Control("models", MODELS_URL, model_picks, lambda v: True), choice("lr", "rnn.series.lr", LRS, float),
    choice("part", "rnn.text.part", ("lm", "sentiment")),
    choice("lm_lang", "rnn.lm.text_lang", TEXT_LANGS), choice("lm_cell", "rnn.lm.kind", CELLS),
    choice("lm_hidden", "rnn.lm.hidden", LM_HIDDEN, int), choice("lm_steps", "rnn.lm.steps", LM_STEPS, int),
    choice("lm_lr", "rnn.lm.lr", LRS, float), number("lm_temp", "rnn.lm.temperature", 0.1, 2.0, float),
    choice("sent_lang", "rnn.sent.lang", SENT_LANGS), choice("sent_cell", "rnn.sent.kind", CELLS),
    flag("sent_bi", "rnn.sent.bi"), choice("sent_hidden", "rnn.sent.units", SENT_UNITS, int),
    choice("sent_dim", "rnn.sent.dim", SENT_DIMS, int), number("sent_epochs", "rnn.sent.epochs", 1, 60),
    choice("sent_lr", "rnn.sent.lr", LRS, float),
    number("grad_len", "rnn.grad.length", 20, 300), number("grad_bias", "rnn.grad.bias", 0.0, 3.0, float),
    choice("grad_hidden", "rnn.grad.hidden", GRAD_HIDDEN, int), flag("grad_gru", "rnn.grad.gru"),
)


def horizon_limit(n: int) -> int:
    """The longest forecast horizon the slider offers for a series of ``n`` points (the test part, at least 2)."""
    return max(2, n - split_point(n, TEST_SHARE))


def horizon_default(n: int) -> int:
    """The horizon slider's first value for a series of ``n`` points: 25, or the whole test part if shorter."""
    return min(25, n - split_point(n, TEST_SHARE))


def mse_rows(result, tr: Translate) -> list[dict]:
    """The comparison table of a ``ForecastResult``: per model (and the naive baseline) the one-step and the
    multi-step MSE, and ✓ where the one-step error is below the baseline's."""
    names = model_names(tr)
    naive_one = result.mse["naive"][0]
    multi_col = tr("rnn.table.multi", h=result.config.horizon)
    return [{tr("rnn.table.model"): names[k], tr("rnn.table.one_step"): one, multi_col: multi,
             tr("rnn.table.beats"): "✓" if one < naive_one else "✗"} for k, (one, multi) in result.mse.items()]


# ---------------------------------------------------------------- job events -> state updates


def fold_series(events: list, tr: Translate) -> dict:
    """Updates from a series job's events: ``progress`` (share or None, text), ``result``, ``error``."""
    state: dict = {}
    for event in events:
        if isinstance(event, SeriesEpoch):
            state["progress"] = (event.done, tr("rnn.series.progress", model=model_names(tr)[event.kind],
                                                epoch=event.epoch, epochs=event.epochs, loss=f"{event.loss:.4f}"))
        elif isinstance(event, SeriesDone):
            state["result"] = event.result
            state["progress"] = (1.0, tr(f"rnn.status.{event.result.reason}"))
        elif isinstance(event, ErrorEvent):
            state["error"] = (event.key, event.kwargs)
            state["progress"] = (None, "")
    return state


def fold_lm(events: list, tr: Translate, lr) -> dict:
    """Updates from a character-model job's events: ``progress``, ``model`` (the CharDone), ``error``.

    ``lr`` is the learning rate the run used, named in the message of a run that diverged.
    """
    state: dict = {}
    for event in events:
        if isinstance(event, CharStep):
            state["progress"] = (event.step / event.total, tr("rnn.lm.progress", step=event.step, total=event.total,
                                                              loss=f"{event.loss:.3f}"))
        elif isinstance(event, CharDone):
            state["model"] = event
            state["progress"] = (1.0, tr(f"rnn.status.{event.reason}"))
            if event.reason == "diverged":
                state["error"] = ("rnn.lm.diverged", {"lr": lr})
        elif isinstance(event, ErrorEvent):
            state["error"] = (event.key, event.kwargs)
            state["progress"] = (None, "")
    return state


def fold_sentiment(run: dict, events: list, tr: Translate) -> dict:
    """Fold a sentiment job's events into ``run`` (in place, see ``runs.apply_event``); returns the updates
    ``progress``, ``model`` (``{"model", "lang", "run"}``, the model in eval mode) and ``error``."""
    state: dict = {}
    for event in events:
        runs.apply_event(run, event)
        state["progress"] = (runs.progress(run), tr("rnn.sent.progress", step=run["step"],
                                                    total=run["total_steps"] or "?"))
        if isinstance(event, (DoneEvent, ErrorEvent)) and event.model is not None:
            state["model"] = {"model": event.model.eval(), "lang": run["lang"], "run": run}
        if isinstance(event, ErrorEvent):
            state["error"] = (event.key, event.kwargs)
    return state


# ---------------------------------------------------------------- sentiment


def sentiment_spec(vocab: int, kind: str, dim: int, units: int, bidirectional: bool) -> dict:
    """Embedding -> (bi)directional ``kind`` cell -> two logits, as a ModelSpec dict over SENT_LEN word ids."""
    return {"input_shape": [SENT_LEN], "layers": [
        {"type": "embedding", "vocab_size": vocab, "dim": dim},
        {"type": {"rnn": "simplernn"}.get(kind, kind), "units": units, "bidirectional": bidirectional},
        {"type": "dense", "units": 2, "activation": "linear"},
    ]}


def sentiment_job(vocab: int, kind: str, dim, units, bidirectional, epochs, lr, lang: str
                  ) -> tuple[ModelSpec, TrainConfig, dict]:
    """What one sentiment training needs: the model, the training settings and its run record (with ``lang``)."""
    spec = ModelSpec.from_dict(sentiment_spec(vocab, kind, int(dim), int(units), bool(bidirectional)))
    config = TrainConfig(epochs=int(epochs), batch_size=32, lr=float(lr), optimizer="adam", seed=0)
    run = runs.new_run(1, spec.to_dict(), "sentiment", config)
    run["lang"] = lang
    return spec, config, run


@torch.no_grad()
def positive(model, x: torch.Tensor) -> np.ndarray:
    """P(positive) of each row of word ids: x (N, SENT_LEN) -> (N,)."""
    return torch.softmax(model(x).float(), dim=-1)[:, 1].numpy()  # (N,)


def sentiment_scores(model, data) -> dict:
    """The test sentences read by ``model``: ``p`` (N,) P(positive), ``truth`` (N,), ``accuracy``,
    ``by_lang`` (language -> accuracy, for the languages present) and ``wrong`` (indices of the mistakes)."""
    p = positive(model, data.x_test)
    truth = data.y_test.numpy()
    right = (p >= 0.5).astype(int) == truth
    langs = np.asarray(data.meta["langs_test"])
    by_lang = {lg: float(right[langs == lg].mean()) for lg in ("es", "en") if (langs == lg).any()}
    return {"p": p, "truth": truth, "accuracy": float(right.mean()), "by_lang": by_lang,
            "wrong": np.flatnonzero(~right)}


def read_sentence(model, sentence: str, vocab: list[str]) -> tuple[list[str], np.ndarray | None, list[str]]:
    """A typed sentence read word by word: (words, P(positive) after each word, words outside ``vocab``).

    At most SENT_LEN words; no words gives ``([], None, [])``.
    """
    words = tokenize(sentence)[:SENT_LEN]
    if not words:
        return [], None, []
    prefixes = [" ".join(words[:k]) for k in range(1, len(words) + 1)]
    probs = positive(model, encode(prefixes, vocab, SENT_LEN))  # (len(words),)
    known = set(vocab)
    return words, probs, [w for w in words if w not in known]


def mistakes_table(data, scores: dict, tr: Translate) -> dict[str, list]:
    """The test sentences ``scores`` (``sentiment_scores``) got wrong, as translated columns: text, true label, P."""
    names = [tr(k) for k in data.meta["class_keys"]]
    wrong, truth, p = scores["wrong"], scores["truth"], scores["p"]
    return {
        tr("rnn.sent.col.text"): [data.meta["texts_test"][i] for i in wrong],
        tr("rnn.sent.col.true"): [names[truth[i]] for i in wrong],
        tr("rnn.sent.col.p"): [f"{p[i]:.0%}" for i in wrong],
    }


# ---------------------------------------------------------------- character model


def default_text(lang: str) -> str:
    """The shipped text the character model starts from, in ``lang`` (one of TEXT_LANGS)."""
    return (TEXTS / f"{lang}.txt").read_text(encoding="utf-8")


def loss_curve(done: CharDone) -> tuple[np.ndarray, np.ndarray, float]:
    """(steps, mean losses, the loss of a uniform guess over the alphabet: ln V) of a trained character model."""
    steps, losses = np.asarray(done.losses).T
    return steps, losses, float(np.log(len(done.chars)))


# ---------------------------------------------------------------- inside


def first_units(states: np.ndarray) -> np.ndarray:
    """The first MAX_UNITS columns of (T, H) states or gates: the rows a heatmap can show."""
    return states[:, :MAX_UNITS]


def hidden_title(tr: Translate, kind: str, states: np.ndarray) -> str:
    """The hidden-state heatmap's title: the cell, how many of its units are shown, of how many."""
    return tr("rnn.inside.hidden_title", model=model_names(tr)[kind], shown=min(MAX_UNITS, states.shape[1]),
              total=states.shape[1])


def series_states(model, result, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A forecaster of ``result`` reading the stretch ``seg`` (T,) of its series: (the standardised values it
    reads (T,), its hidden states (T, H))."""
    z = result.standardise(seg)  # the model reads standardised values
    return z, hidden_states(model.rnn, z)


def text_states(done: CharDone, text: str) -> tuple[list[str], torch.Tensor | None, np.ndarray | None]:
    """The character model reading ``text``: (characters read, embeddings (T, E), hidden states (T, H)).

    Characters outside the model's alphabet are skipped, and only the first MAX_INSIDE_CHARS are looked
    at; none left gives ``([], None, None)``.
    """
    alphabet = set(done.chars)
    chars = [ch for ch in text[:MAX_INSIDE_CHARS] if ch in alphabet]
    if not chars:
        return [], None, None
    ids = torch.tensor([done.chars.index(ch) for ch in chars])
    with torch.no_grad():
        emb = done.model.embed(ids)  # (T, E): what the recurrent layer reads
    return chars, emb, hidden_states(done.model.rnn, emb)


def grad_norms(kind: str, length: int, hidden: int, bias: float) -> np.ndarray:
    """‖∂L/∂x_t‖ (length,) of a fresh seeded cell; the forget bias applies to the LSTM only."""
    return gradient_through_time(kind, length, hidden, bias if kind == "lstm" else 1.0, seed=0)


def grad_rates(norms: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """kind -> (the gradient's shrink factor per step back, first step's norm / last step's norm)."""
    return {k: (decay_per_step(g), float(g[0] / g[-1])) for k, g in norms.items()}
