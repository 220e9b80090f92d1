"""Tensors: the operations of the TensorFlow notes, side by side in PyTorch and TensorFlow, as coloured grids."""
from __future__ import annotations

import re

import streamlit as st

from pages._tensor_widgets import (
    agreement,
    inputs_view,
    op_controls,
    outputs_view,
    show_problem,
    tensorflow_module,
)
from pages._ui import labeler, router_guard, share_link, tr, url_state
from playground.share import Control, choice, flag, number, read_values
from playground.tensor_ops import GROUPS, TENSOR_OPS, OpParam, TensorProblem, run_op

router_guard()

S = st.session_state
# The settings a shared link carries: the group, the operation and its parameters (shapes typed as text), and
# the seed of the input numbers. An op's parameters go by their own names, except two the page itself uses.
GROUP = choice("group", "tensors.group", GROUPS)
SEED = number("seed", "tensors.seed", 0, 9999)
RENAMED = {"op": "fn", "seed": "rng_seed"}
OP_NAMES = ("op", *sorted({RENAMED.get(p.name, p.name) for op in TENSOR_OPS.values() for p in op.params}))
SHAPE_TEXT = re.compile(r"[0-9\s,;()\[\]xX×+-]{0,40}")  # what shape, ints and axis fields are typed with


def _param_control(key: str, prm: OpParam) -> Control:
    name, wkey = RENAMED.get(prm.name, prm.name), f"tensors.{key}.{prm.name}"
    if prm.kind in ("shape", "ints", "axis"):
        return Control(name, wkey, str, lambda v: SHAPE_TEXT.fullmatch(v) is not None)
    if prm.kind == "int":
        return number(name, wkey, int(prm.lo), int(prm.hi))
    if prm.kind == "float":
        return number(name, wkey, float(prm.lo), float(prm.hi), float)
    if prm.kind == "bool":
        return flag(name, wkey)
    return choice(name, wkey, prm.choices)


def url_controls() -> tuple:
    """This run's URL controls: the operation of the group shown (each group has its own radio) and that
    operation's parameters. On the page's first run they are the link's (the widgets do not exist yet); a link
    with an operation and no group opens that operation's group."""
    first, link = "tensors.url_loaded" not in S, st.query_params.to_dict()
    if first and "group" not in link and link.get("op") in TENSOR_OPS:
        S[GROUP.key] = TENSOR_OPS[link["op"]].group
    group = S.get(GROUP.key, GROUPS[0])
    if first:
        group = read_values(link, (GROUP,))[0].get(GROUP.key, group)
    ops = [k for k, op in TENSOR_OPS.items() if op.group == group]
    op_control = choice("op", f"tensors.op.{group}", ops)
    key = S.get(op_control.key, ops[0])
    if first:
        key = read_values(link, (op_control,))[0].get(op_control.key, key)
    return (GROUP, op_control, *(_param_control(key, prm) for prm in TENSOR_OPS[key].params), SEED)


def page_url_state() -> dict[str, str]:
    """``url_state`` for this page; another operation's parameters leave the address."""
    params = url_state("tensors", url_controls(), optional=OP_NAMES)
    return params


head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.tensors.title"))
shared = page_url_state()  # a warning about a bad link value goes full width, under the title
with head[1]:
    share_link(shared)
st.markdown(tr("tensors.intro"))

c = st.columns([3, 4])
group = c[0].radio(tr("tensors.group"), GROUPS, format_func=labeler("tensors.group."), horizontal=True,
                   key="tensors.group")
ops = [k for k, op in TENSOR_OPS.items() if op.group == group]
key = c[1].radio(tr("tensors.op"), ops, format_func=labeler("tensors.op.", ".title"), horizontal=True,
                 key=f"tensors.op.{group}")
st.markdown(tr(f"tensors.op.{key}.help"))
params, seed = op_controls(key)

try:
    run = run_op(key, params, seed=seed)  # PyTorch only: on screen at once, TensorFlow follows
except TensorProblem as first:
    exc = first
    tf, _ = tensorflow_module()
    try:  # once more with TensorFlow, for its own wording of the same mistake
        run_op(key, params, seed=seed, tf=tf)
    except TensorProblem as again:
        exc = again
    show_problem(exc)
    st.stop()

cols = st.columns(3)
with cols[0]:
    st.subheader(tr("tensors.inputs"))
    inputs_view(run)
with cols[1]:
    st.subheader("PyTorch")
    outputs_view(run.torch_out, "tensors.out.torch")
with cols[2]:
    st.subheader("TensorFlow")
    with st.spinner(tr("tensors.tf_loading")):
        tf, why = tensorflow_module()
    if tf is None:
        st.warning(tr("tensors.tf_missing", error=why), icon=":material/warning:")
    else:
        run = run_op(key, params, seed=seed, tf=tf)
        if run.tf_out is not None:
            outputs_view(run.tf_out, "tensors.out.tf")
if run.broadcast:
    st.info(tr("tensors.broadcast.rule"), icon=":material/open_in_full:")
if tf is not None:
    agreement(run)

st.subheader(tr("tensors.code"))
left, right = st.columns(2)
left.code(run.torch_code, language="python", wrap_lines=True)
right.code(run.tf_code, language="python", wrap_lines=True)
st.caption(tr("tensors.code.caption"))
