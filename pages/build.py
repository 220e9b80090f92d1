"""Build: assemble layers, see shapes and parameters live, export PyTorch/Keras code and JSON."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from pages._train_panel import training_panel
from pages._ui import labeler, router_guard, share_link, show_error, tr
from pages._widgets import layer_editor, new_uid, sync_from_widgets
from playground import editor
from playground.codegen import to_keras_code, to_pytorch_code
from playground.data import DATASETS
from playground.layers import LAYER_TYPES
from playground.presets import PRESETS
from playground.share import read_state, state_params
from playground.spec import SpecError, check, decode_spec, encode_spec, loads
from playground.summary import summarize
from playground.viz.network import plot_shape_flow

router_guard()

S = st.session_state
DEFAULT_PRESET = "keras_mnist_cnn"


def set_draft(spec: dict, dataset: str | None = None) -> None:
    S["build.input_shape"] = list(spec["input_shape"])
    S["build.layers"] = [dict(layer) for layer in spec["layers"]]
    S["build.uids"] = [new_uid() for _ in spec["layers"]]
    if dataset:
        S["build.dataset"] = dataset


def init_state() -> None:
    if "build.layers" in S:
        return
    preset = PRESETS[DEFAULT_PRESET]
    set_draft(preset.spec, preset.dataset)
    link = st.query_params.get("spec")
    if link:
        try:
            set_draft(decode_spec(link).to_dict(), "custom")
        except SpecError as exc:
            S["build.link_error"] = exc
    # A shared or teacher link: dataset, hyperparameters, and the controls it locks or hides.
    state = read_state(st.query_params.to_dict())
    S.update(state.values)
    if not link and S["build.dataset"] in DATASETS:  # a dataset without a network: the first preset that fits it
        fitted = editor.preset_for_dataset(PRESETS.values(), DATASETS[S["build.dataset"]])
        if fitted is not None:
            set_draft(fitted)
    S["share.fixed"] = dict(state.values)  # hidden controls keep the link's value
    S["share.locked"], S["share.hidden"] = state.locked, state.hidden
    if state.dropped:
        S["build.link_dropped"] = state.dropped


def on_action(i: int, action: str) -> None:
    layers, uids = S["build.layers"], S["build.uids"]
    if action == "remove":
        S["build.layers"], S["build.uids"] = editor.remove_layer(layers, i), editor.remove_layer(uids, i)
    else:
        step = -1 if action == "up" else 1
        S["build.layers"], S["build.uids"] = editor.move_layer(layers, i, step), editor.move_layer(uids, i, step)


def on_dataset() -> None:
    key = S["build.dataset"]
    if key in DATASETS:
        fitted = editor.fit_to_dataset(draft(), DATASETS[key])
        set_draft(fitted)


def on_preset() -> None:
    preset = PRESETS[S["build.preset"]]
    set_draft(preset.spec, preset.dataset)


def on_add() -> None:
    layer = editor.new_layer(S["build.add_type"])
    pos = int(S["build.add_pos"]) - 1
    S["build.layers"] = editor.insert_layer(S["build.layers"], pos, layer)
    S["build.uids"] = editor.insert_layer(S["build.uids"], pos, new_uid())


def on_upload() -> None:
    file = S.get("build.upload")
    if file is None:
        return
    try:
        set_draft(loads(file.getvalue()).to_dict(), "custom")
        S.pop("build.upload_error", None)
    except SpecError as exc:
        S["build.upload_error"] = exc


def draft() -> dict:
    return {"input_shape": list(S["build.input_shape"]), "layers": list(S["build.layers"])}


@st.cache_data(max_entries=64, show_spinner=False)
def cached_summary(encoded: str):
    return summarize(decode_spec(encoded))


init_state()
S["build.layers"] = sync_from_widgets(S["build.layers"], S["build.uids"])

LOCKED, HIDDEN = S["share.locked"], S["share.hidden"]
head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.build.title"))
st.caption(tr("build.intro"))
if "build.link_error" in S:
    show_error(S.pop("build.link_error"))
if "build.link_dropped" in S:
    st.warning(tr("share.dropped", items=", ".join(S.pop("build.link_dropped"))), icon=":material/link_off:")
if LOCKED or HIDDEN:
    st.info(tr("share.teacher_mode"), icon=":material/school:")

top = st.columns([2, 3, 2])
datasets = list(DATASETS) + ["custom"]
top[0].selectbox(tr("build.dataset"), datasets, key="build.dataset", format_func=labeler("dataset."),
                 on_change=on_dataset, help=tr("build.dataset.help"), disabled="dataset" in LOCKED)
top[1].selectbox(tr("build.preset"), list(PRESETS), key="build.preset", index=None,
                 format_func=labeler("preset."), placeholder=tr("build.preset.placeholder"),
                 on_change=on_preset, disabled="layers" in LOCKED)
shape_text = top[2].text_input(tr("build.input_shape"), value=", ".join(map(str, S["build.input_shape"])),
                               help=tr("build.input_shape.help"),
                               disabled=S["build.dataset"] != "custom" or "layers" in LOCKED)
if S["build.dataset"] == "custom":
    try:
        S["build.input_shape"] = [int(v) for v in shape_text.replace("[", "").replace("]", "").split(",") if v.strip()]
    except ValueError:
        st.error(tr("build.input_shape.bad", got=shape_text))

spec, shapes, error = check(draft())
if spec is not None:
    S["build.valid"] = encode_spec(spec)
    st.query_params["spec"] = S["build.valid"]

left, right = st.columns([5, 4], gap="large")
with left:
    st.subheader(tr("build.layers"))
    for i, (layer, uid) in enumerate(zip(S["build.layers"], S["build.uids"])):
        shape = str(shapes[i]) if i < len(shapes) else "?"
        layer_editor(i, uid, layer, shape, len(S["build.layers"]), on_action, locked="layers" in LOCKED)
    if "layers" not in LOCKED:
        add = st.columns([3, 2, 2], vertical_alignment="bottom")
        add[0].selectbox(tr("build.add_type"), LAYER_TYPES, key="build.add_type",
                         format_func=labeler("layer.", ".help", show_option=True))
        add[1].number_input(tr("build.add_pos"), 1, len(S["build.layers"]) + 1, len(S["build.layers"]) + 1,
                            key="build.add_pos")
        add[2].button(tr("build.add"), icon=":material/add:", on_click=on_add, width="stretch")

with right:
    st.subheader(tr("build.summary"))
    if error is not None:
        show_error(error)
    if "build.valid" not in S:
        st.info(tr("build.no_valid"))
        st.stop()
    if error is not None:
        st.caption(tr("build.showing_last_valid"))
    summary = cached_summary(S["build.valid"])
    valid = decode_spec(S["build.valid"])
    if "summary" not in HIDDEN:
        st.dataframe(pd.DataFrame(summary.table(tr)), hide_index=True, width="stretch")
        m = st.columns(2)
        m[0].metric(tr("build.trainable"), f"{summary.trainable:,}")
        m[1].metric(tr("build.size"), f"{summary.size_mb:.2f} MB")
        st.caption(f"{tr('build.mult_adds')}: **{summary.mult_adds:,}**", help=tr("build.mult_adds.help"))
        if summary.non_trainable:
            st.caption(tr("build.non_trainable", n=summary.non_trainable))
        if summary.keras_trainable != summary.trainable:
            diff = [r for r in summary.rows if r.keras_params != r.params]
            st.info(tr("build.keras_diff", keras=summary.keras_trainable, torch=summary.trainable,
                       layers=", ".join(f"{r.name} ({r.type})" for r in diff)), icon=":material/compare_arrows:")

if "diagram" not in HIDDEN:
    st.subheader(tr("build.diagram"))
    st.plotly_chart(plot_shape_flow(**summary.flow(tr("build.input")), size_label=tr("build.values"),
                                    params_label=tr("build.col.params")), width="stretch")

training_panel(valid, S["build.dataset"])

# Everything the student set goes into the URL (as in TensorFlow Playground): a reload or a shared link
# brings it back; a teacher's lock/hide lists stay in it.
link = {"spec": S["build.valid"], **state_params(S, LOCKED, HIDDEN)}
for name, value in link.items():
    if st.query_params.get(name) != value:
        st.query_params[name] = value
with head[1]:
    share_link(link, teacher=True)

if "code" not in HIDDEN:
    st.header(tr("build.export"))
    tabs = st.tabs(["PyTorch", "Keras", "JSON"])
    with tabs[0]:
        code = to_pytorch_code(valid)
        st.download_button(tr("build.download"), code, "model_pytorch.py", "text/x-python", icon=":material/download:")
        st.code(code, language="python", height=360)
    with tabs[1]:
        code = to_keras_code(valid)
        st.download_button(tr("build.download"), code, "model_keras.py", "text/x-python", icon=":material/download:",
                           key="dl_keras")
        st.code(code, language="python", height=360)
    with tabs[2]:
        text = json.dumps(valid.to_dict(), indent=2)
        st.download_button(tr("build.download"), text, "model.json", "application/json", icon=":material/download:",
                           key="dl_json")
        st.file_uploader(tr("build.upload"), type=["json"], key="build.upload", on_change=on_upload,
                         help=tr("build.upload.help"), disabled="layers" in LOCKED)
        if "build.upload_error" in S:
            show_error(S["build.upload_error"])
        st.code(text, language="json", height=300)
