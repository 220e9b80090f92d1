"""Streamlit views of a conv network's inside, shared by the /cnn and /draw pages.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.inspect`` and
``playground.viz.cnn``; these functions only lay out widgets and translate text.
"""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from pages._ui import tr
from playground.builders import layer_names
from playground.inspect import activation_stats, capture_activations
from playground.spec import ModelSpec
from playground.viz.cnn import plot_feature_maps, plot_filters

# Layers whose image outputs are worth looking at (a BatchNorm/Activation pair shows the ReLU's effect).
VIEW_TYPES = ("conv2d", "batchnorm", "activation", "maxpool2d", "avgpool2d")


def _spec(spec: ModelSpec | dict) -> ModelSpec:
    return spec if isinstance(spec, ModelSpec) else ModelSpec.from_dict(spec)


def _shape(values: np.ndarray) -> str:
    return "×".join(str(d) for d in values.shape)


def feature_maps_view(model: torch.nn.Module, spec: ModelSpec | dict, x, key_prefix: str) -> None:
    """A selectbox of the layers with image outputs, the grid of their feature maps and their stats.

    ``model``: a torch PlaygroundNet built from ``spec``; ``x``: one sample (1, C, H, W) as a tensor
    or array. ``key_prefix`` keeps widget keys unique when two pages (or two views) use it.
    """
    x = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not isinstance(x, torch.Tensor) else x.float()
    acts = [a for a in capture_activations(model, _spec(spec), x, types=VIEW_TYPES) if a.is_image]
    if not acts:
        st.info(tr("cnn.maps.none"))
        return
    labels = [f"{a.index}. {a.name} ({a.type}) — {_shape(a.values)}" for a in acts]
    choice = st.selectbox(tr("cnn.maps.layer"), range(len(acts)), format_func=labels.__getitem__,
                          key=f"{key_prefix}.maps_layer", help=tr("cnn.maps.layer.help"))
    act = acts[choice]
    stats = activation_stats(act)
    c = st.columns(4)
    c[0].metric(tr("cnn.maps.zero_share"), f"{stats['zero_share']:.0%}", help=tr("cnn.maps.zero_share.help"))
    c[1].metric(tr("cnn.maps.dead"), f"{stats['dead_channels']} / {stats['channels']}", help=tr("cnn.maps.dead.help"))
    c[2].metric(tr("cnn.maps.mean"), f"{stats['mean']:.3f}")
    c[3].metric(tr("cnn.maps.max"), f"{stats['max']:.3f}")
    shown = min(32, stats["channels"])
    st.plotly_chart(plot_feature_maps(act.values, tr("cnn.maps.title", name=act.name, shown=shown,
                                                     total=stats["channels"]), max_channels=32),
                    width="stretch", key=f"{key_prefix}.maps_fig")
    st.caption(tr("cnn.maps.caption"))


def filters_view(model: torch.nn.Module, spec: ModelSpec | dict, key_prefix: str) -> None:
    """The learned kernels of a chosen conv layer: the first as images, deeper ones per input channel."""
    spec = _spec(spec)
    convs = [(name, i) for i, (layer, name) in enumerate(zip(spec.layers, layer_names(spec)))
             if layer.type == "conv2d"]
    if not convs:
        st.info(tr("cnn.filters.none"))
        return
    pick = st.selectbox(tr("cnn.filters.layer"), range(len(convs)), format_func=lambda j: convs[j][0],
                        key=f"{key_prefix}.filters_layer", help=tr("cnn.filters.layer.help"))
    name, i = convs[pick]
    weights = dict(model.named_children())[model.layer_modules[i][0]].weight.detach().cpu().numpy()  # (out, in, k, k)
    in_channel = None
    if weights.shape[1] not in (1, 3) or pick > 0:
        in_channel = st.selectbox(tr("cnn.filters.in_channel"), range(weights.shape[1]),
                                  key=f"{key_prefix}.filters_in", help=tr("cnn.filters.in_channel.help"))
    title = tr("cnn.filters.title", name=name, shape=_shape(weights))
    st.plotly_chart(plot_filters(weights, title, in_channel=in_channel), width="stretch",
                    key=f"{key_prefix}.filters_fig")
    st.caption(tr("cnn.filters.caption_rgb" if weights.shape[1] == 3 and in_channel is None
                  else "cnn.filters.caption"))
