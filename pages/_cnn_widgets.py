"""Streamlit views of a conv network's inside, shared by the /cnn and /draw pages.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.inspect`` and
``playground.viz.cnn``; these functions only lay out widgets and translate text.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from pages._ui import labeler, show_error, tr
from playground.builders import layer_names
from playground.conv import (
    KERNELS,
    PADDING_MODES,
    POOL_MODES,
    ConvError,
    conv2d,
    conv_cell,
    pad,
    padding_amount,
    pool2d,
    pool_cell,
)
from playground.data import load_dataset
from playground.inspect import activation_stats, capture_activations
from playground.spec import ModelSpec
from playground.viz.cnn import plot_cell_math, plot_feature_maps, plot_filters, plot_matrix

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


# ---------------------------------------------------------------- convolution explorer

KERNEL_CHOICES = (*KERNELS, "custom")


@st.cache_resource(show_spinner=False)
def _mnist_test():
    """The offline MNIST test images (shared, read-only): (N, 1, 28, 28) in [0, 1] and labels."""
    data = load_dataset("mnist", offline=True)
    return data.x_test.numpy(), data.y_test.numpy()


def _default_matrix() -> pd.DataFrame:
    m = np.zeros((8, 8), dtype=np.float32)
    m[1:7, 2] = 1  # a vertical stroke ...
    m[5, 2:7] = 1  # ... and a horizontal one: an "L" that the edge kernels tell apart
    return pd.DataFrame(m, columns=[str(j) for j in range(8)])


def _input_image(key_prefix: str) -> np.ndarray:
    source = st.radio(tr("cnn.conv.source"), ("digit", "matrix"), format_func=labeler("cnn.conv.source."),
                      horizontal=True, key=f"{key_prefix}.source", help=tr("cnn.conv.source.help"))
    if source == "matrix":
        edited = st.data_editor(_default_matrix(), key=f"{key_prefix}.matrix", width="stretch")
        return np.nan_to_num(edited.to_numpy(dtype=np.float32))
    images, labels = _mnist_test()
    idx = st.number_input(tr("cnn.conv.digit"), 0, len(images) - 1, 0, key=f"{key_prefix}.digit",
                          help=tr("cnn.conv.digit.help"))
    st.caption(tr("cnn.conv.digit.caption", label=int(labels[idx])))
    return pool2d(images[idx, 0], 2, 2, "avg")  # 28x28 -> 14x14: the whole digit, cells still readable


def _kernel(key_prefix: str) -> np.ndarray:
    name = st.selectbox(tr("cnn.conv.kernel"), KERNEL_CHOICES, index=KERNEL_CHOICES.index("vertical_edge"),
                        format_func=labeler("cnn.kernel."),
                        key=f"{key_prefix}.kernel", help=tr("cnn.conv.kernel.help"))
    if name != "custom":
        return KERNELS[name]
    start = pd.DataFrame(KERNELS["sobel_x"], columns=["0", "1", "2"])
    edited = st.data_editor(start, key=f"{key_prefix}.custom", width="stretch")
    return np.nan_to_num(edited.to_numpy(dtype=np.float32))


def _cell_picker(key_prefix: str, out: np.ndarray) -> tuple[int, int]:
    h, w = out.shape
    c = st.columns(2)
    # The output size is part of the key: a new size starts the picker again at (0, 0), always in range.
    # Starts in the middle, where a digit has ink.
    row = c[0].number_input(tr("cnn.conv.row"), 0, h - 1, h // 2, key=f"{key_prefix}.row{h}")
    col = c[1].number_input(tr("cnn.conv.col"), 0, w - 1, w // 2, key=f"{key_prefix}.col{w}")
    return int(row), int(col)


def _size_text(n: int, k: int, p: int, s: int, out: int) -> str:
    return tr("cnn.size", n=n, k=k, p=p, s=s, num=n - k + 2 * p, out=out)


def conv_explorer(key_prefix: str) -> None:
    """Pick an input and a kernel, slide it by hand (stride, padding), then pool the feature map."""
    c = st.columns([1, 1, 1])
    with c[0]:
        x = _input_image(key_prefix)  # (H, W)
    with c[1]:
        kernel = _kernel(key_prefix)  # (K, K)
        st.plotly_chart(plot_matrix(kernel, tr("cnn.conv.kernel_fig"), signed=True, height=260), width="stretch",
                        key=f"{key_prefix}.kernel_fig")
    with c[2]:
        stride = int(st.number_input(tr("cnn.conv.stride"), 1, 4, 1, key=f"{key_prefix}.stride",
                                     help=tr("cnn.conv.stride.help")))
        mode = st.radio(tr("cnn.conv.padding"), PADDING_MODES, format_func=labeler("cnn.padding."),
                        horizontal=True, key=f"{key_prefix}.padding", help=tr("cnn.conv.padding.help"))
        amount = st.number_input("P", 0, 4, 1, key=f"{key_prefix}.p") if mode == "zero" else 0
        p = padding_amount(mode, kernel.shape[0], int(amount))
    k = kernel.shape[0]
    try:
        out = conv2d(x, kernel, stride, p)  # (floor((H-K+2P)/S)+1, ...)
    except ConvError as exc:
        show_error(exc)
        return
    st.markdown(_size_text(x.shape[1], k, p, stride, out.shape[1]))
    row, col = _cell_picker(f"{key_prefix}.conv", out)
    cell = conv_cell(x, kernel, stride, p, row, col)
    c = st.columns(2)
    c[0].plotly_chart(plot_matrix(pad(x, p), tr("cnn.conv.input_fig", h=x.shape[0], w=x.shape[1], p=p),
                                  highlight=(cell.top, cell.left, k, k)), width="stretch", key=f"{key_prefix}.in_fig")
    c[1].plotly_chart(plot_matrix(out, tr("cnn.conv.output_fig", h=out.shape[0], w=out.shape[1]), signed=True,
                                  highlight=(row, col, 1, 1)), width="stretch", key=f"{key_prefix}.out_fig")
    titles = (tr("cnn.cell.patch"), tr("cnn.cell.kernel"), tr("cnn.cell.products"))
    st.plotly_chart(plot_cell_math(cell.patch, cell.kernel, cell.products, cell.value, titles,
                                   tr("cnn.cell.title", row=row, col=col)), width="stretch", key=f"{key_prefix}.cell")
    terms = " + ".join(f"{a:.2f}·{b:.2g}" for a, b in zip(cell.patch.ravel(), cell.kernel.ravel()))
    st.caption(f"{terms} = **{cell.value:.3f}**")
    pool_explorer(f"{key_prefix}.pool", out)


def pool_explorer(key_prefix: str, x: np.ndarray) -> None:
    """Max or average pooling of the feature map ``x`` (H, W), with the window of one output cell."""
    st.subheader(tr("cnn.pool.title"))
    st.markdown(tr("cnn.pool.intro"))
    c = st.columns(3)
    size = int(c[0].selectbox(tr("cnn.pool.size"), (2, 3), key=f"{key_prefix}.size", help=tr("cnn.pool.size.help")))
    stride = int(c[1].number_input(tr("cnn.conv.stride"), 1, 3, size, key=f"{key_prefix}.stride{size}",
                                   help=tr("cnn.pool.stride.help")))
    mode = c[2].radio(tr("cnn.pool.mode"), POOL_MODES, format_func=labeler("cnn.pool.mode."), horizontal=True,
                      key=f"{key_prefix}.mode")
    try:
        out = pool2d(x, size, stride, mode)
    except ConvError as exc:
        show_error(exc)
        return
    st.markdown(_size_text(x.shape[1], size, 0, stride, out.shape[1]))
    row, col = _cell_picker(key_prefix, out)
    cell = pool_cell(x, size, stride, mode, row, col)
    c = st.columns([5, 2, 4])
    window = (cell.top, cell.left, size, size)
    c[0].plotly_chart(plot_matrix(x, tr("cnn.pool.input_fig"), signed=True, highlight=window),
                      width="stretch", key=f"{key_prefix}.in_fig")
    c[1].plotly_chart(plot_cell_math(cell.patch, None, cell.products, cell.value, (tr("cnn.pool.window"), "", ""),
                                     tr(f"cnn.pool.mode.{mode}")), width="stretch", key=f"{key_prefix}.cell")
    c[2].plotly_chart(plot_matrix(out, tr("cnn.conv.output_fig", h=out.shape[0], w=out.shape[1]), signed=True,
                                  highlight=(row, col, 1, 1)), width="stretch", key=f"{key_prefix}.out_fig")
