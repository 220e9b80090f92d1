"""Inside a CNN: convolution and pooling by hand, then the filters and feature maps of a real network."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
import torch

from pages._cnn_widgets import conv_explorer, feature_maps_view, filters_view
from pages._ui import labeler, router_guard, share_link, tr, url_state
from playground.conv import KERNELS, PADDING_MODES
from playground.data import DATASETS, DatasetError, load_dataset
from playground.share import choice, number
from playground.spec import ModelSpec
from playground.viz.training import plot_image_grid

router_guard()

S = st.session_state
SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "models" / "digits_cnn.safetensors"
# When the model's own dataset cannot be loaded offline, a dataset of the same input shape stands in.
# The settings a shared link carries (the student's own trained model cannot travel in a URL).
URL_CONTROLS = (choice("kernel", "cnn.conv.kernel", (*KERNELS, "custom")), number("stride", "cnn.conv.stride", 1, 4),
                choice("padding", "cnn.conv.padding", PADDING_MODES))
BY_SHAPE = {(1, 28, 28): "mnist", (3, 32, 32): "shapes", (1, 8, 8): "digits"}


@st.cache_resource(show_spinner=False)
def _shipped_bytes() -> bytes | None:
    return SHIPPED.read_bytes() if SHIPPED.exists() else None


def _shipped_model():
    """The digit model of the Draw page, built once per session (hooks never touch a shared module)."""
    if "cnn.shipped" not in S:
        from playground.builders import build_torch
        from playground.weights import WeightsError, load_weights, read_spec

        data, S["cnn.shipped"] = _shipped_bytes(), None
        spec = read_spec(data) if data else None
        if spec is not None:
            try:
                S["cnn.shipped"] = (load_weights(build_torch(spec), data).eval(), spec, "mnist")
            except WeightsError:
                pass
    return S["cnn.shipped"]


def _has_conv(spec: ModelSpec) -> bool:
    return any(layer.type == "conv2d" for layer in spec.layers)


def _models() -> dict:
    """The conv networks on offer: the one trained on /build (torch) and the shipped digit model."""
    found = {}
    trained = S.get("train.model")
    if trained:
        spec = ModelSpec.from_dict(trained["spec"])
        if _has_conv(spec) and trained["backend"] == "torch":
            found["build"] = (trained["model"], spec, trained.get("dataset"))
        elif _has_conv(spec):
            st.caption(tr("cnn.model.keras"))
    shipped = _shipped_model()
    if shipped is not None:
        found["shipped"] = shipped
    return found


@st.cache_resource(show_spinner=False)
def _test_set(key: str):
    data = load_dataset(key, offline=True)
    return data.x_test, data.y_test, [str(c) for c in data.meta["classes"]], data.meta["source"]


def _samples(spec: ModelSpec, dataset: str | None):
    """Test images that fit the model's input: its own dataset first, else one of the same shape."""
    for key in dict.fromkeys([dataset, BY_SHAPE.get(tuple(spec.input_shape))]):
        if key in DATASETS and DATASETS[key].loadable and DATASETS[key].input_shape == tuple(spec.input_shape):
            try:
                return key, *_test_set(key)
            except DatasetError:
                continue
    return None


def _network_tab() -> None:
    models = _models()
    if not models:
        st.info(tr("cnn.model.none"), icon=":material/info:")
        st.page_link("pages/build.py", label=tr("cnn.model.go_build"), icon=":material/construction:")
        return
    choice = st.radio(tr("cnn.model"), list(models), format_func=labeler("cnn.model."), horizontal=True,
                      key="cnn.model", help=tr("cnn.model.help"))
    model, spec, dataset = models[choice]
    st.subheader(tr("cnn.filters.header"))
    st.markdown(tr("cnn.filters.intro"))
    filters_view(model, spec, "cnn.net")
    st.subheader(tr("cnn.maps.header"))
    st.markdown(tr("cnn.maps.intro"))
    found = _samples(spec, dataset)
    if found is None:
        st.info(tr("cnn.maps.no_data"), icon=":material/info:")
        return
    key, x_test, y_test, classes, source = found
    c = st.columns([1, 3])
    idx = int(c[0].number_input(tr("cnn.maps.index"), 0, len(x_test) - 1, 0, key=f"cnn.index.{key}",
                                help=tr("cnn.maps.index.help", dataset=tr(f"dataset.{key}"), n=len(x_test))))
    x = x_test[idx:idx + 1]  # (1, C, H, W)
    with torch.no_grad():
        device = next(model.parameters()).device
        pred = int(model.eval()(x.to(device)).argmax(dim=1)[0]) if classes else None
    label = classes[int(y_test[idx])] if classes else ""
    c[0].plotly_chart(plot_image_grid(x.numpy(), [label], cols=1), width="stretch", key="cnn.input_fig")
    if pred is not None and pred < len(classes):
        c[0].markdown(tr("cnn.maps.prediction", label=label, pred=classes[pred]))
    c[0].caption(tr("cnn.maps.source", source=tr(source)))
    with c[1]:
        feature_maps_view(model, spec, x, "cnn.net")


link = url_state("cnn", URL_CONTROLS)  # before the title row: a bad link's warning gets the full width
head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.cnn.title"))
with head[1]:
    share_link(link)
st.markdown(tr("cnn.intro"))
tab_conv, tab_net = st.tabs([tr("cnn.tab.conv"), tr("cnn.tab.net")])
with tab_conv:
    st.markdown(tr("cnn.conv.intro"))
    conv_explorer("cnn.conv")
with tab_net:
    _network_tab()
