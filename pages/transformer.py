"""Transformers and attention: self-attention step by step on a typed sentence, positional encoding,
the heads of a trained tiny Transformer, and one trained live on tasks whose right attention is known."""
from __future__ import annotations

import streamlit as st

from pages._transformer_widgets import heads_view, positional_view, steps_view, train_view
from pages._ui import router_guard, tr

router_guard()

st.title(tr("page.transformer.title"))
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
