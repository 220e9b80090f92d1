"""Transfer learning offline: a network the project pretrained on digits 0–4, reused for digits 5–9 or shapes
with a few labels per class; training from scratch, feature extraction and fine-tuning compared side by side."""
from __future__ import annotations

import streamlit as st

from pages._transfer_widgets import (
    FACTORS,
    LRS,
    PER_CLASS,
    backbone_info,
    compare_view,
    freeze_view,
    imagenet_view,
    samples_view,
    settings,
)
from pages._ui import router_guard, share_link, show_error, tr, url_state
from playground.share import choice, number
from playground.transfer import TARGETS, TransferError

router_guard()

CFG = "transfer.cfg"  # the key prefix of the comparison's settings
# The settings a shared link carries (the trained networks cannot travel in a URL).
URL_CONTROLS = (choice("target", f"{CFG}.target", TARGETS), choice("per_class", f"{CFG}.per_class", PER_CLASS, int),
                number("epochs", f"{CFG}.epochs", 1, 100), choice("lr", f"{CFG}.lr", LRS, float),
                choice("unfreeze", f"{CFG}.unfreeze", (1, 2), int), choice("factor", f"{CFG}.factor", FACTORS, float))

head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.transfer.title"))
shared = url_state("transfer", URL_CONTROLS)  # a warning about a bad link value goes full width, under the title
with head[1]:
    share_link(shared)
st.markdown(tr("transfer.intro"))
backbone_info()
config = settings(CFG)
st.subheader(tr("transfer.freeze.header"))
st.markdown(tr("transfer.freeze.intro"))
try:
    freeze_view(config)
except TransferError as exc:
    show_error(exc)
st.subheader(tr("transfer.samples.header"))
data = samples_view(config)
st.subheader(tr("transfer.compare.header"))
st.markdown(tr("transfer.compare.intro"))
compare_view(config, data)
with st.expander(tr("transfer.imagenet.header"), icon=":material/public:"):
    imagenet_view(data)
