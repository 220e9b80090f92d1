"""Graph neural networks: real graphs, GCN/GAT/GraphSAGE trained live on a few labelled nodes, and one
message-passing step of a chosen node computed by hand."""
from __future__ import annotations

import streamlit as st

from pages._gnn_graphs import URL_CONTROLS as GC_CONTROLS
from pages._gnn_graphs import whole_graphs_view
from pages._gnn_widgets import HIDDEN, LRS, SBM_MAX_SIZE, graph_picker, message_view, train_view
from pages._ui import router_guard, share_link, tr, url_state
from playground.gnn import MODELS, PICKS
from playground.graphs import FEATURES, GRAPHS
from playground.share import choice, number, read_values

router_guard()

S = st.session_state
# The settings a shared link carries (a typed or uploaded edge list and a trained model cannot travel in a URL).
GRAPH = choice("graph", "gnn.graph", GRAPHS)
SBM_CONTROLS = (number("blocks", "gnn.sbm.blocks", 2, 6), number("size", "gnn.sbm.size", 2, SBM_MAX_SIZE),
                number("p_in", "gnn.sbm.p_in", 0.01, 1.0, float), number("p_out", "gnn.sbm.p_out", 0.0, 1.0, float),
                number("sbm_seed", "gnn.sbm.seed", 0, 9999))
MODEL_CONTROLS = (choice("model", "gnn.model", MODELS), number("layers", "gnn.layers", 1, 4),
                  choice("hidden", "gnn.hidden", HIDDEN, int), number("heads", "gnn.heads", 1, 8),
                  number("dropout", "gnn.dropout", 0.0, 0.9, float), choice("lr", "gnn.lr", LRS, float),
                  number("epochs", "gnn.epochs", 1, 1000), number("per_class", "gnn.per_class", 1, 50),
                  number("seed", "gnn.seed", 0, 9999), choice("pick", "gnn.pick", PICKS),
                  choice("features", "gnn.features", FEATURES))


def url_controls() -> tuple:
    """This run's URL controls: the SBM's own settings only while the SBM is the graph.

    On the page's first run the graph is the link's (its widget does not exist yet), later the widget's.
    """
    graph = S.get("gnn.graph", next(iter(GRAPHS)))
    if "gnn.url_loaded" not in S:
        graph = read_values(st.query_params.to_dict(), (GRAPH,))[0].get(GRAPH.key, graph)
    return (GRAPH, *(SBM_CONTROLS if graph == "sbm" else ()), *MODEL_CONTROLS, *GC_CONTROLS)


def page_url_state() -> dict[str, str]:
    """``url_state`` for this page; the SBM's settings leave the address once another graph is chosen."""
    params = url_state("gnn", url_controls(), optional=[c.name for c in SBM_CONTROLS])
    return params


head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.gnn.title"))
shared = page_url_state()  # a warning about a bad link value goes full width, under the title
with head[1]:
    share_link(shared)
st.markdown(tr("gnn.intro"))
picked = graph_picker()
tab_train, tab_mp, tab_graphs = st.tabs([tr("gnn.tab.train"), tr("gnn.tab.mp"), tr("gc.tab")])
if picked is not None:
    sig, graph, pos = picked
    with tab_train:
        st.markdown(tr("gnn.train.intro"))
        train_view(sig, graph, pos)
    with tab_mp:
        st.markdown(tr("gnn.mp.intro"))
        message_view(sig, graph, pos)
with tab_graphs:  # its own set of small graphs: it works whatever the graph above
    whole_graphs_view()
