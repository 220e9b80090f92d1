"""Tensors: the operations of the TensorFlow notes, side by side in PyTorch and TensorFlow, as coloured grids."""
from __future__ import annotations

import streamlit as st

from pages._tensor_widgets import (
    agreement,
    inputs_view,
    op_controls,
    outputs_view,
    show_problem,
    tensorflow_module,
)
from pages._ui import labeler, router_guard, tr
from playground.tensor_ops import GROUPS, TENSOR_OPS, TensorProblem, run_op

router_guard()

S = st.session_state

st.title(tr("page.tensors.title"))
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
