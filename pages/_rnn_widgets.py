"""Streamlit views of the /rnn page: background jobs, the text tab and the inside tab.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.series``,
``playground.charlm``, ``playground.rnn_inside`` and ``playground.training``; what is not drawing (options,
event folding, read-outs) is ``playground.rnn_view``; figures come from ``playground.viz.rnn``. Every
training runs in the shared job manager, so the page never freezes and Stop works; a fragment drains the
job's events every half second.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st
import torch

from pages._ui import current_lang, labeler, live_fragment, session_id, show_error, tr
from playground import rnn_view as rv
from playground.charlm import CharConfig, CharDone, CharLMError, next_char_probs, sample, train_charlm
from playground.data import DatasetError, load_dataset
from playground.rnn_inside import lstm_gates
from playground.rnn_view import CELLS, GRAD_HIDDEN, LM_HIDDEN, LM_STEPS, LRS, SENT_LEN, first_units
from playground.training import train
from playground.viz.rnn import (
    char_label,
    plot_char_loss,
    plot_gates,
    plot_gradient_through_time,
    plot_hidden_states,
    plot_next_char,
    plot_sentiment_words,
)
from playground.viz.training import plot_curves

S = st.session_state
default_text = st.cache_data(show_spinner=False)(rv.default_text)


# ---------------------------------------------------------------- jobs


def _manager():
    from pages._train_panel import job_manager

    return job_manager()


def job_block(name: str, start: Callable[[], Callable], fold: Callable[[list], dict]) -> None:
    """Train/Stop buttons and a live progress fragment for the job ``rnn.<name>``.

    ``start()`` returns the job's ``run(stop)`` generator function (or None when the settings are bad);
    ``fold(events)`` returns what the drained events change, stored as ``rnn.<name>.<key>`` (``playground.rnn_view``).
    """
    job_key = f"rnn.{name}.job"
    if S.pop(f"rnn.{name}.requested", False) and S.get(job_key) is None:
        run = start()
        if run is not None:
            S[f"rnn.{name}.progress"] = (0.0, "")
            S[job_key] = _manager().submit(session_id(), run, label=f"rnn {name}")
    job = S.get(job_key)
    c = st.columns([1, 1, 4])
    c[0].button(tr("train.start"), type="primary", icon=":material/play_arrow:", disabled=job is not None,
                key=f"rnn.{name}.start", on_click=S.__setitem__, args=(f"rnn.{name}.requested", True))
    c[1].button(tr("train.stop"), icon=":material/stop:", disabled=job is None, key=f"rnn.{name}.stop",
                on_click=lambda: S[job_key].stop() if S.get(job_key) else None)
    live_fragment(f"rnn.{name}", job_key, _live, name, fold)


def _live(name: str, fold: Callable[[list], dict]) -> None:
    job = S.get(f"rnn.{name}.job")
    if job is not None:
        S.update({f"rnn.{name}.{key}": value for key, value in fold(job.drain()).items()})
        if job.status == "queued":
            st.info(tr("train.queued", pos=_manager().position(job)), icon=":material/hourglass_top:")
        if not job.active and job.events.empty():
            if job.error:
                S[f"rnn.{name}.error"] = ("train.crashed", {"detail": job.error[:120]})
            S.pop(f"rnn.{name}.job", None)
            _manager().forget(job)  # live_fragment then asks for a full run: the results lie outside
    share, text = S.get(f"rnn.{name}.progress", (None, ""))
    if share is not None and (job is not None or share > 0):
        st.progress(min(1.0, share), text=text)


def show_job_error(name: str) -> None:
    """The last run's problem (bad settings, divergence, crash) as st.error in the user's language."""
    err = S.get(f"rnn.{name}.error")
    if err:
        st.error(tr(err[0], **err[1]), icon=":material/error:")


# ---------------------------------------------------------------- text: character model


def charlm_view() -> None:
    """Paste a text, train a character model on it, then sample with a temperature."""
    st.markdown(tr("rnn.lm.intro"))
    c = st.columns([1, 3])
    text_lang = c[0].radio(tr("rnn.lm.text_lang"), rv.TEXT_LANGS, index=rv.TEXT_LANGS.index(current_lang()),
                           format_func=labeler("rnn.lang."), key="rnn.lm.text_lang")
    text = c[1].text_area(tr("rnn.lm.text"), default_text(text_lang), height=180, key=f"rnn.lm.text.{text_lang}",
                          help=tr("rnn.lm.text.help"))
    c = st.columns(4)
    kind = c[0].selectbox(tr("rnn.cell"), CELLS, format_func=labeler("rnn.model."), key="rnn.lm.kind")
    hidden = c[1].selectbox(tr("rnn.hidden"), LM_HIDDEN, index=1, key="rnn.lm.hidden",
                            help=tr("rnn.hidden.help"))
    steps = c[2].select_slider(tr("rnn.lm.steps"), LM_STEPS, value=300, key="rnn.lm.steps",
                               help=tr("rnn.lm.steps.help"))
    lr = c[3].select_slider(tr("train.lr"), LRS, value=0.01, key="rnn.lm.lr", format_func=lambda v: f"{v:g}",
                            help=tr("train.lr.help"))
    config = CharConfig(kind=kind, hidden=int(hidden), seq_len=48, steps=int(steps), lr=float(lr))

    def start():
        S.pop("rnn.lm.error", None)
        S["rnn.lm.text_used"] = text
        return lambda stop: train_charlm(text, config, stop)

    job_block("lm", start, lambda events: rv.fold_lm(events, tr, S.get("rnn.lm.lr")))
    show_job_error("lm")
    done: CharDone | None = S.get("rnn.lm.model")
    if done is None:
        st.info(tr("rnn.lm.none"), icon=":material/info:")
        return
    _charlm_results(done)


def _charlm_results(done: CharDone) -> None:
    if done.losses:
        labels = {"title": tr("rnn.lm.loss_title"), "step": tr("rnn.lm.step"), "loss": tr("rnn.lm.loss"),
                  "uniform": tr("rnn.lm.uniform", n=len(done.chars))}
        st.plotly_chart(plot_char_loss(*rv.loss_curve(done), labels), width="stretch", key="rnn.lm.loss_fig")
    st.subheader(tr("rnn.lm.sample_header"))
    c = st.columns([2, 1, 1, 1])
    used = S.get("rnn.lm.text_used", "")
    prompt = c[0].text_input(tr("rnn.lm.prompt"), used[:12], key="rnn.lm.prompt", help=tr("rnn.lm.prompt.help"))
    temperature = c[1].slider(tr("rnn.lm.temperature"), 0.1, 2.0, 0.7, 0.1, key="rnn.lm.temperature",
                              help=tr("rnn.lm.temperature.help"))
    length = c[2].slider(tr("rnn.lm.length"), 50, 600, 250, 50, key="rnn.lm.length")
    seed = c[3].number_input(tr("train.seed"), 0, 10_000, 0, key="rnn.lm.seed")
    try:
        generated = sample(done.model, done.chars, prompt, int(length), float(temperature), int(seed))
        probs = next_char_probs(done.model, done.chars, prompt, float(temperature))
    except CharLMError as exc:
        show_error(exc)
        return
    st.code(prompt + generated, language=None, wrap_lines=True)
    shown = "".join(char_label(ch) for ch in prompt[-20:])
    st.plotly_chart(plot_next_char(probs, done.chars, tr("rnn.lm.next_title", prompt=shown, t=temperature)),
                    width="stretch", key="rnn.lm.next_fig")
    st.caption(tr("rnn.lm.next_caption"))


# ---------------------------------------------------------------- text: sentiment


@st.cache_resource(show_spinner=False)
def sentiment_data(lang: str):
    """The shipped sentences as token ids, shared read-only by every session."""
    return load_dataset("sentiment", lang=lang, max_len=SENT_LEN, seed=0)


def sentiment_view() -> None:
    """Embedding + (bi)LSTM on the shipped sentences, as in the notes; then type a sentence."""
    st.markdown(tr("rnn.sent.intro"))
    c = st.columns(4)
    lang = c[0].radio(tr("rnn.sent.lang"), rv.SENT_LANGS, format_func=labeler("rnn.lang."), key="rnn.sent.lang")
    kind = c[1].selectbox(tr("rnn.cell"), CELLS, format_func=labeler("rnn.model."), key="rnn.sent.kind")
    bidirectional = c[1].checkbox(tr("rnn.sent.bidirectional"), True, key="rnn.sent.bi",
                                  help=tr("rnn.sent.bidirectional.help"))
    units = c[2].selectbox(tr("rnn.hidden"), rv.SENT_UNITS, index=2, key="rnn.sent.units")
    dim = c[2].selectbox(tr("rnn.sent.dim"), rv.SENT_DIMS, index=1, key="rnn.sent.dim", help=tr("rnn.sent.dim.help"))
    epochs = c[3].number_input(tr("train.epochs"), 1, 60, 15, key="rnn.sent.epochs")
    lr = c[3].select_slider(tr("train.lr"), LRS, value=0.01, key="rnn.sent.lr", format_func=lambda v: f"{v:g}")
    try:
        data = sentiment_data(lang)
    except DatasetError as exc:
        show_error(exc)
        return
    st.caption(tr("rnn.sent.data", n_train=data.meta["n_train"], n_test=data.meta["n_test"],
                  vocab=len(data.meta["vocab"]), source=tr(data.meta["source"])))

    def start():
        S.pop("rnn.sent.error", None)
        spec, config, S["rnn.sent.run"] = rv.sentiment_job(len(data.meta["vocab"]), kind, dim, units, bidirectional,
                                                           epochs, lr, lang)
        return lambda stop: train(spec, data, config, stop)

    job_block("sent", start, lambda events: rv.fold_sentiment(S.get("rnn.sent.run"), events, tr))
    show_job_error("sent")
    run = S.get("rnn.sent.run")
    if run and run["history"]:
        labels = {k: tr(f"train.curve.{k}") for k in ("loss", "accuracy", "epoch", "train", "val")}
        st.plotly_chart(plot_curves([("", run["history"])], labels), width="stretch", key="rnn.sent.curves")
    trained = S.get("rnn.sent.model")
    if trained is None:
        st.info(tr("rnn.sent.none"), icon=":material/info:")
        return
    _sentiment_results(trained, sentiment_data(trained["lang"]))


def _sentiment_results(trained: dict, data) -> None:
    scores = rv.sentiment_scores(trained["model"], data)
    c = st.columns(3)
    c[0].metric(tr("rnn.sent.acc"), f"{scores['accuracy']:.0%}", help=tr("rnn.sent.acc.help"))
    for col, lg in zip(c[1:], ("es", "en")):
        if lg in scores["by_lang"]:
            col.metric(tr("rnn.sent.acc_lang", language=tr(f"rnn.lang.{lg}")), f"{scores['by_lang'][lg]:.0%}")
    sentence = st.text_input(tr("rnn.sent.try"), tr("rnn.sent.try.default"), key=f"rnn.sent.try.{current_lang()}")
    words, probs, unknown = rv.read_sentence(trained["model"], sentence, data.meta["vocab"])
    if not words:
        st.error(tr("rnn.sent.no_words"), icon=":material/error:")
    else:
        verdict = tr("rnn.sentiment.positive") if probs[-1] >= 0.5 else tr("rnn.sentiment.negative")
        st.markdown(tr("rnn.sent.verdict", verdict=verdict, p=f"{probs[-1]:.0%}"))
        if unknown:
            st.caption(tr("rnn.sent.unknown", words=", ".join(unknown[:12])))
        st.plotly_chart(plot_sentiment_words(words, probs, tr("rnn.sent.words_title")), width="stretch",
                        key="rnn.sent.words_fig")
    with st.expander(tr("rnn.sent.mistakes", n=len(scores["wrong"]), total=len(scores["truth"]))):
        st.dataframe(pd.DataFrame(rv.mistakes_table(data, scores, tr)), hide_index=True, width="stretch")


# ---------------------------------------------------------------- inside


def _gate_view(kind: str, lstm, inputs, x_labels, key: str) -> None:
    """The gates of an LSTM reading ``inputs``; for another cell, a note that only an LSTM has them."""
    if kind != "lstm":
        st.info(tr("rnn.inside.gates_lstm_only"), icon=":material/info:")
        return
    gates = lstm_gates(lstm, inputs)
    shown = {name: first_units(getattr(gates, name)) for name in ("i", "f", "o")}
    titles = {name: tr(f"rnn.gate.{name}") for name in shown}
    st.plotly_chart(plot_gates(shown, titles, tr("rnn.inside.gates_title"), tr("rnn.inside.step"),
                               tr("rnn.inside.unit"), x_labels), width="stretch", key=key)
    st.caption(tr("rnn.inside.gates_caption", f=f"{gates.f.mean():.2f}", i=f"{gates.i.mean():.2f}",
                  o=f"{gates.o.mean():.2f}"))


def series_inside(models: dict, values: np.ndarray, result, demo: bool) -> None:
    """Hidden states (and gates for an LSTM) of a trained forecaster reading a stretch of its series."""
    kinds = list(models)
    c = st.columns(3)
    kind = c[0].radio(tr("rnn.inside.model"), kinds, index=kinds.index("lstm") if "lstm" in kinds else 0,
                      format_func=labeler("rnn.model."), horizontal=True,
                      key=f"rnn.inside.kind.{'demo' if demo else 'own'}")
    length = c[1].slider(tr("rnn.inside.length"), 20, min(200, len(values)), min(100, len(values)), 10,
                         key="rnn.inside.length", help=tr("rnn.inside.length.help"))
    start = c[2].slider(tr("rnn.inside.start"), 0, len(values) - length, 0, key=f"rnn.inside.start.{length}")
    seg = values[start:start + length]
    model = models[kind]
    z, states = rv.series_states(model, result, seg)  # what it reads (standardised), its states (T, H)
    st.plotly_chart(plot_hidden_states(first_units(states), rv.hidden_title(tr, kind, states), rv.state_labels(tr),
                                       inputs=seg), width="stretch", key="rnn.inside.hidden_fig")
    st.caption(tr("rnn.inside.hidden_caption"))
    _gate_view(kind, model.rnn, z, None, "rnn.inside.gates_fig")


def text_inside(done: CharDone) -> None:
    """Hidden states (and gates for an LSTM) of the character model reading a typed text."""
    used = S.get("rnn.lm.text_used", "")
    text = st.text_input(tr("rnn.inside.text"), used[:60], key="rnn.inside.text", help=tr("rnn.inside.text.help"))
    chars, emb, states = rv.text_states(done, text)
    if not chars:
        st.error(tr("rnn.inside.no_chars"), icon=":material/error:")
        return
    st.plotly_chart(plot_hidden_states(first_units(states), rv.hidden_title(tr, done.model.kind, states),
                                       rv.state_labels(tr), x_labels=chars), width="stretch",
                    key="rnn.inside.hidden_text_fig")
    _gate_view(done.model.kind, done.model.rnn, emb, chars, "rnn.inside.gates_text_fig")


def gradient_view() -> None:
    """‖∂L/∂x_t‖ through time for fresh seeded cells: the simple RNN's fades fastest."""
    st.subheader(tr("rnn.grad.header"))
    st.markdown(tr("rnn.grad.intro"))
    c = st.columns(4)
    length = c[0].slider(tr("rnn.grad.length"), 20, 300, 100, 10, key="rnn.grad.length")
    bias = c[1].slider(tr("rnn.grad.forget_bias"), 0.0, 3.0, 1.0, 0.5, key="rnn.grad.bias",
                       help=tr("rnn.grad.forget_bias.help"))
    hidden = c[2].selectbox(tr("rnn.hidden"), GRAD_HIDDEN, index=1, key="rnn.grad.hidden")
    with_gru = c[3].checkbox(tr("rnn.grad.gru"), False, key="rnn.grad.gru")
    kinds = ("rnn", "lstm", "gru") if with_gru else ("rnn", "lstm")
    norms = {k: _grad_norms(k, int(length), int(hidden), float(bias)) for k in kinds}
    labels = {"title": tr("rnn.grad.title", T=length), "step": tr("rnn.grad.step"), "grad": tr("rnn.grad.norm")}
    st.plotly_chart(plot_gradient_through_time(norms, rv.model_names(tr), labels), width="stretch", key="rnn.grad.fig")
    st.caption(" · ".join(tr("rnn.grad.rate", model=rv.model_names(tr)[k], r=f"{rate:.2f}", ratio=f"{ratio:.1e}")
                          for k, (rate, ratio) in rv.grad_rates(norms).items()))
    st.caption(tr("rnn.grad.caption"))


@st.cache_data(show_spinner=False, max_entries=64)
def _grad_norms(kind: str, length: int, hidden: int, bias: float) -> np.ndarray:
    torch.set_num_threads(1)
    return rv.grad_norms(kind, length, hidden, bias)
