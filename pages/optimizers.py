"""Optimizers and backprop: real torch.optim optimizers racing on loss surfaces, then the chain rule by hand
on a 2-2-1 network, checked against autograd."""
from __future__ import annotations

import streamlit as st

from pages._optimizer_widgets import backprop_view, surfaces_view
from pages._ui import router_guard, tr

router_guard()

st.title(tr("page.optimizers.title"))
st.markdown(tr("optimizers.intro"))
tab_paths, tab_bp = st.tabs([tr("optimizers.tab.paths"), tr("optimizers.tab.backprop")])
with tab_paths:
    st.markdown(tr("optimizers.paths.intro"))
    surfaces_view("optimizers.paths")
with tab_bp:
    st.markdown(tr("optimizers.bp.intro"))
    backprop_view("optimizers.bp")
