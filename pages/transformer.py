"""Transformers and attention: self-attention step by step on a typed sentence, positional encoding,
the heads of a trained tiny Transformer, and one trained live on tasks whose right attention is known."""
from __future__ import annotations

import streamlit as st

from pages._transformer_widgets import DIMS, MAX_TEXT, heads_view, positional_view, steps_view, train_view
from pages._ui import current_lang, router_guard, share_link, tr, url_state
from playground.attention import PROJECTIONS
from playground.seqtasks import HEADS, LAYERS, LRS, TASKS, WIDTHS
from playground.share import Control, choice, flag, number

router_guard()


def url_controls(lang: str) -> tuple[Control, ...]:
    """The settings a shared link carries, by URL name (a trained model cannot travel in a URL). The typed
    sentence is kept per language, so ``text`` goes to the box of the page's language."""
    return (
        Control("text", f"transformer.steps.sentence.{lang}", str, lambda v: len(v) <= MAX_TEXT),
        choice("dim", "transformer.steps.dim", DIMS, int), choice("proj", "transformer.steps.proj", PROJECTIONS),
        flag("pe", "transformer.steps.pe"), flag("causal", "transformer.steps.causal"),
        number("seed", "transformer.steps.seed", 0, 999),
        number("pe_len", "transformer.pe.length", 4, 64),
        Control("pe_dim", "transformer.pe.dim", int, lambda v: 4 <= v <= 64 and v % 2 == 0),  # the slider's step is 2
        choice("task", "transformer.train.task", TASKS), choice("layers", "transformer.train.layers", LAYERS, int),
        choice("heads", "transformer.train.heads", HEADS, int), choice("width", "transformer.train.dim", WIDTHS, int),
        choice("lr", "transformer.train.lr", LRS, float), number("epochs", "transformer.train.epochs", 1, 50),
        number("train_seed", "transformer.train.seed", 0, 10_000), number("length", "transformer.train.length", 4, 12),
    )


shared = url_state("transformer", url_controls(current_lang()))  # before the title row: a bad link's warning
head = st.columns([6, 1], vertical_alignment="bottom")                 # gets the page's width, not the button's
head[0].title(tr("page.transformer.title"))
with head[1]:
    share_link(shared)
st.markdown(tr("transformer.intro"))
tab_steps, tab_pe, tab_heads, tab_train = st.tabs([tr("transformer.tab.steps"), tr("transformer.tab.pe"),
                                                   tr("transformer.tab.heads"), tr("transformer.tab.train")])
with tab_steps:
    st.markdown(tr("transformer.steps.intro"))
    steps_view("transformer.steps")
with tab_pe:
    st.markdown(tr("transformer.pe.intro"))
    positional_view("transformer.pe")
with tab_heads:
    st.markdown(tr("transformer.heads.intro"))
    heads_view()
with tab_train:
    st.markdown(tr("transformer.train.intro"))
    train_view()
