"""Activation functions: f and f′, softmax with a temperature, the perceptron, and a small MLP trained live."""
from __future__ import annotations

import streamlit as st

from pages._activation_widgets import (
    functions_section,
    perceptron_section,
    pick_activation,
    softmax_section,
    training_section,
)
from pages._ui import router_guard, tr

router_guard()

st.title(tr("page.activations.title"))
st.markdown(tr("activations.intro"))
with st.sidebar:
    name, alpha = pick_activation()

st.header(tr("activations.functions.header"))
st.markdown(tr("activations.functions.intro"))
functions_section(name, alpha)

st.header(tr("activations.softmax.header"))
st.markdown(tr("activations.softmax.intro"))
softmax_section()

st.header(tr("activations.p.header"))
st.markdown(tr("activations.p.intro"))
perceptron_section(name, alpha)

st.header(tr("activations.train.header"))
st.markdown(tr("activations.train.intro"))
training_section(name, alpha)
