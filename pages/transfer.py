"""Transfer learning offline: a network the project pretrained on digits 0–4, reused for digits 5–9 or shapes
with a few labels per class; training from scratch, feature extraction and fine-tuning compared side by side."""
from __future__ import annotations

import streamlit as st

from pages._transfer_widgets import backbone_info, compare_view, freeze_view, imagenet_view, samples_view, settings
from pages._ui import router_guard, show_error, tr
from playground.transfer import TransferError

router_guard()

st.title(tr("page.transfer.title"))
st.markdown(tr("transfer.intro"))
backbone_info()
config = settings("transfer.cfg")
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
