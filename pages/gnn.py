"""Graph neural networks: real graphs, GCN/GAT/GraphSAGE trained live on a few labelled nodes, and one
message-passing step of a chosen node computed by hand."""
from __future__ import annotations

import streamlit as st

from pages._gnn_widgets import graph_picker, message_view, train_view
from pages._ui import router_guard, tr

router_guard()

st.title(tr("page.gnn.title"))
st.markdown(tr("gnn.intro"))
picked = graph_picker()
if picked is not None:
    sig, graph, pos = picked
    tab_train, tab_mp = st.tabs([tr("gnn.tab.train"), tr("gnn.tab.mp")])
    with tab_train:
        st.markdown(tr("gnn.train.intro"))
        train_view(sig, graph, pos)
    with tab_mp:
        st.markdown(tr("gnn.mp.intro"))
        message_view(sig, graph, pos)
