"""Activation functions: f and f′, softmax with a temperature, the perceptron, and a small MLP trained live."""
from __future__ import annotations

import streamlit as st

from pages._activation_widgets import (
    ALPHA_RANGE,
    LRS,
    TOYS,
    UNITS,
    functions_section,
    parse_logits,
    perceptron_section,
    pick_activation,
    softmax_section,
    training_section,
)
from pages._ui import router_guard, share_link, tr, url_state
from playground.activations import ACTIVATIONS
from playground.share import Control, choice, number, read_values

router_guard()

S = st.session_state


def _logits_ok(text: str) -> bool:
    try:
        parse_logits(text)
    except ValueError:
        return False
    return len(text) <= 100


# The settings a shared link carries (a trained network cannot travel in a URL). α comes and goes with the
# activation: each activation that takes one has its own slider.
ACT = choice("act", "activations.name", ACTIVATIONS)
CONTROLS = (
    Control("logits", "activations.softmax.z", str, _logits_ok),
    number("temp", "activations.softmax.t", 0.1, 5.0, float),
    *(number(f"{v}{i}", f"activations.p.{v}{i}", -2.0, 2.0, float) for v in "xw" for i in (1, 2, 3)),
    number("b", "activations.p.b", -2.0, 2.0, float),
    choice("dataset", "activations.train.dataset", TOYS),
    number("noise", "activations.train.noise", 0.0, 0.5, float),
    number("layers", "activations.train.layers", 1, 4),
    choice("units", "activations.train.units", UNITS, int),
    choice("lr", "activations.train.lr", LRS, float),
    number("epochs", "activations.train.epochs", 5, 500),
    number("seed", "activations.train.seed", 0, 9999),
)


def url_controls() -> tuple:
    """This run's URL controls: α only for an activation that takes one, keyed by that activation's slider.

    On the page's first run the activation is the link's (its widget does not exist yet), later the widget's.
    """
    name = S.get(ACT.key, "relu")
    if "activations.url_loaded" not in S:
        name = read_values(st.query_params.to_dict(), (ACT,))[0].get(ACT.key, name)
    alpha = ()
    if ACTIVATIONS[name].uses_alpha:
        lo, hi, _ = ALPHA_RANGE[name]
        alpha = (number("alpha", f"activations.alpha.{name}", lo, hi, float),)
    return (ACT, *alpha, *CONTROLS)


def page_url_state() -> dict[str, str]:
    """``url_state`` for this page; α leaves the address once the activation takes none."""
    params = url_state("activations", url_controls(), optional=("alpha",))
    return params


head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.activations.title"))
shared = page_url_state()  # a warning about a bad link value goes full width, under the title
with head[1]:
    share_link(shared)
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
