"""Optimizers and backprop: real torch.optim optimizers racing on loss surfaces, then the chain rule by hand
on a 2-2-1 network, checked against autograd."""
from __future__ import annotations

import streamlit as st

from pages._optimizer_widgets import backprop_view, lr_options, surfaces_view
from pages._ui import router_guard, share_link, tr, url_state
from playground.share import Control, choice, number, read_values
from playground.surfaces import LR_PRESETS, OPTIMIZERS, SURFACES

router_guard()

S = st.session_state
PATHS = "optimizers.paths"  # the key prefix of the paths tab's widgets
CHOSEN = f"{PATHS}.chosen"  # the multiselect of optimizers: a list, in the URL as opt=sgd,adam


def _optimizer_names(text: str) -> str:
    """``"sgd, adam"`` → ``"sgd,adam"``; ValueError on a name that is not an optimizer of the page."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if any(n not in OPTIMIZERS for n in names):
        raise ValueError(text)
    return ",".join(dict.fromkeys(names))


# The settings a shared link carries. Steps and start point belong to a surface, the rates to a surface and an
# optimizer (each has its own widget), so they follow the surface and the optimizers chosen. The list of
# optimizers travels through a text copy under OPT.key (the URL holds text, the multiselect a list).
SURFACE = choice("surface", f"{PATHS}.surface", SURFACES)
OPT = Control("opt", f"{CHOSEN}.url", _optimizer_names, lambda v: isinstance(v, str))
PRESET = choice("preset", f"{PATHS}.preset", (*LR_PRESETS, "custom"))
PER_SURFACE = ("steps", "x", "y")
RATES = tuple(f"lr_{o}" for o in OPTIMIZERS)


def _asked(control: Control, default):
    """What ``control``'s widget shows on this run: on the page's first run the link's value (the widget does
    not exist yet), later the widget's."""
    value = S.get(control.key, default)
    if "optimizers.url_loaded" not in S:
        value = read_values(st.query_params.to_dict(), (control,))[0].get(control.key, value)
    return value


def url_controls() -> tuple:
    surface = _asked(SURFACE, next(iter(SURFACES)))
    s = SURFACES[surface]
    chosen = S.get(CHOSEN, list(OPTIMIZERS))
    if "optimizers.url_loaded" not in S:
        chosen = [o for o in _asked(OPT, ",".join(chosen)).split(",") if o]
    controls = [SURFACE, OPT, number("steps", f"{PATHS}.steps.{surface}", 1, 2000),
                number("x", f"{PATHS}.x0.{surface}", *s.x_range, float),
                number("y", f"{PATHS}.y0.{surface}", *s.y_range, float), PRESET]
    if _asked(PRESET, "good") == "custom":
        controls += [choice(f"lr_{o}", f"{PATHS}.lr.{surface}.{o}", lr_options(o), float) for o in chosen]
    return tuple(controls)


def page_url_state() -> dict[str, str]:
    """``url_state`` for this page, with the list of optimizers as text and the address kept tidy: settings
    of another surface, or rates while a preset sets them, leave it."""
    first = "optimizers.url_loaded" not in S
    if CHOSEN in S:
        S[OPT.key] = ",".join(S[CHOSEN])
    params = url_state("optimizers", url_controls(), optional=(*PER_SURFACE, PRESET.name, *RATES))
    if first and OPT.key in S:
        S[CHOSEN] = [o for o in S[OPT.key].split(",") if o]
    return params


head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.optimizers.title"))
shared = page_url_state()  # a warning about a bad link value goes full width, under the title
with head[1]:
    share_link(shared)
st.markdown(tr("optimizers.intro"))
tab_paths, tab_bp = st.tabs([tr("optimizers.tab.paths"), tr("optimizers.tab.backprop")])
with tab_paths:
    st.markdown(tr("optimizers.paths.intro"))
    surfaces_view(PATHS)
with tab_bp:
    st.markdown(tr("optimizers.bp.intro"))
    backprop_view("optimizers.bp")
