"""Widgets generated from the LAYERS registry (one widget per layer parameter)."""
from __future__ import annotations

import uuid

import streamlit as st

from pages._ui import tr
from playground.layers import LAYERS, Param


def new_uid() -> str:
    return uuid.uuid4().hex[:8]


def param_widget(prm: Param, current, key: str, disabled: bool = False):
    """Render the widget for one parameter, seeded with ``current``; returns the value shown."""
    if key not in st.session_state:
        st.session_state[key] = current
    label = tr(f"param.{prm.name}")
    help_ = tr(f"param.{prm.name}.help")
    if prm.kind == "bool":
        return st.checkbox(label, key=key, help=help_, disabled=disabled)
    if prm.kind == "choice":
        return st.selectbox(label, prm.choices, key=key, help=help_, disabled=disabled)
    if prm.kind == "int":
        return st.number_input(
            label, min_value=int(prm.min), max_value=int(prm.max), step=1, key=key, help=help_,
            placeholder=tr("param.auto") if prm.optional else None, disabled=disabled,
        )
    hi = prm.max - 0.01 if prm.max_exclusive else prm.max
    return st.number_input(label, min_value=float(prm.min), max_value=float(hi), step=0.05, key=key,
                           help=help_, format="%.2f", disabled=disabled)


def layer_editor(i: int, uid: str, layer: dict, shape_text: str, n_layers: int, on_action,
                 locked: bool = False) -> None:
    """One bordered row: title and output shape, parameter widgets, move/remove buttons.

    The buttons call ``on_action(i, "up" | "down" | "remove")`` before the next rerun. ``locked`` (a
    teacher link) shows the layer read-only.
    """
    kind = LAYERS.get(layer.get("type"))
    with st.container(border=True):
        head, body, tools = st.columns([2, 7, 1.4], vertical_alignment="center")
        head.markdown(f"**{i + 1} · {layer.get('type')}**")
        head.caption(f"→ {shape_text}")
        if kind is None:
            body.caption(tr("build.unknown_layer"))
        else:
            per_row = 3
            specs = kind.params_spec
            for start in range(0, len(specs), per_row):
                cols = body.columns(per_row)
                for col, prm in zip(cols, specs[start:start + per_row]):
                    with col:
                        param_widget(prm, layer.get(prm.name, prm.default), widget_key(uid, prm.name), locked)
            if not kind.params_spec:
                body.caption(tr(f"layer.{kind.type}.help"))
        if locked:
            return
        b1, b2, b3 = tools.columns(3)
        b1.button("", icon=":material/arrow_upward:", key=f"build.{uid}.up", disabled=i == 0,
                  help=tr("build.up"), on_click=on_action, args=(i, "up"))
        b2.button("", icon=":material/arrow_downward:", key=f"build.{uid}.down", disabled=i == n_layers - 1,
                  help=tr("build.down"), on_click=on_action, args=(i, "down"))
        b3.button("", icon=":material/delete:", key=f"build.{uid}.remove", help=tr("build.remove"),
                  on_click=on_action, args=(i, "remove"))


def widget_key(uid: str, param: str) -> str:
    return f"build.{uid}.{param}"


def sync_from_widgets(layers: list[dict], uids: list[str]) -> list[dict]:
    """The layers with every parameter the student changed in a widget since the last run."""
    out = []
    for layer, uid in zip(layers, uids):
        kind = LAYERS.get(layer.get("type"))
        layer = dict(layer)
        for prm in kind.params_spec if kind else ():
            key = widget_key(uid, prm.name)
            if key in st.session_state:
                layer[prm.name] = st.session_state[key]
        out.append(layer)
    return out
