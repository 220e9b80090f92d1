"""Streamlit pieces of the /tensors page: an op's controls, its grids, its code, its explained errors.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.tensor_ops`` and
``playground.viz.tensors``; these functions only lay out widgets and translate text.
"""
from __future__ import annotations

import streamlit as st

from pages._ui import labeler, tr
from playground.tensor_ops import TENSOR_OPS, OpRun, Tensor, TensorProblem, fmt_shape
from playground.viz.tensors import plot_tensor

S = st.session_state
CHOICE_PREFIX = {"op": "tensors.choice.", "kind": "tensors.choice.", "source": "tensors.choice.",
                 "dist": "tensors.choice.", "dtype": None, "ord": "tensors.choice.ord."}


@st.cache_resource(show_spinner=False)
def tensorflow_module():
    """TensorFlow configured once per process (triton first, thread budget): (module, None) or (None, why)."""
    try:
        from playground.device import configure_tensorflow

        return configure_tensorflow(), None
    except Exception as exc:  # noqa: BLE001 - any import failure: the page goes on with PyTorch only
        return None, f"{type(exc).__name__}: {exc}"[:300]


def op_controls(key: str) -> tuple[dict, int]:
    """The widgets of op ``key``'s parameters and the seed of the input numbers, in one row.

    Returns the parameter values by name and the seed.
    """
    op = TENSOR_OPS[key]
    values = {}
    cols = st.columns(max(len(op.params) + 1, 4))
    for col, prm in zip(cols, op.params):
        wkey = f"tensors.{key}.{prm.name}"
        label, helptext = tr(f"tensors.param.{prm.name}"), tr(f"tensors.param.{prm.name}.help")
        with col:
            if prm.kind in ("shape", "ints", "axis"):
                values[prm.name] = st.text_input(label, str(prm.default), key=wkey, help=helptext)
            elif prm.kind == "int":
                values[prm.name] = st.number_input(label, int(prm.lo), int(prm.hi), int(prm.default), key=wkey,
                                                   help=helptext)
            elif prm.kind == "float":
                values[prm.name] = st.number_input(label, float(prm.lo), float(prm.hi), float(prm.default), step=0.5,
                                                   key=wkey, help=helptext)
            elif prm.kind == "bool":
                values[prm.name] = st.checkbox(label, bool(prm.default), key=wkey, help=helptext)
            else:
                prefix = CHOICE_PREFIX.get(prm.name, "tensors.choice.")
                values[prm.name] = st.selectbox(label, prm.choices, index=prm.choices.index(prm.default), key=wkey,
                                                format_func=labeler(prefix) if prefix else str, help=helptext)
    seed = cols[len(op.params)].number_input(tr("tensors.seed"), 0, 9999, 0, key="tensors.seed",
                                             help=tr("tensors.seed.help"))
    return values, int(seed)


def show_problem(exc: TensorProblem) -> None:
    """The explanation as an st.error, and what the frameworks themselves say in a small expander."""
    st.error(exc.message(S.get("lang", "en")), icon=":material/error:")
    if exc.raw:
        with st.expander(tr("tensors.raw")):
            for framework, text in exc.raw.items():
                st.caption(framework)
                st.code(text, language=None, wrap_lines=True)


def _title(name: str, values, dtype: str) -> str:
    return tr("tensors.grid", name=name, shape=fmt_shape(tuple(values.shape)), dtype=dtype)


def _grid(name: str, values, dtype: str, key: str, mask=None, title: str | None = None) -> None:
    st.plotly_chart(plot_tensor(values, title or _title(name, values, dtype), mask=mask), width="stretch",
                    key=key)


def inputs_view(run: OpRun) -> None:
    """Every input operand as a grid; a broadcast operand also stretched, its copies faded."""
    if not run.inputs:
        st.caption(tr("tensors.no_inputs"))
        return
    stretched = {name: (values, mask) for name, values, mask in run.broadcast}
    for operand in run.inputs:
        kind = "numpy" if operand.make == "numpy" else "float32"
        _grid(operand.name, operand.values, kind, f"tensors.in.{operand.name}")
        if operand.name in stretched:
            values, mask = stretched[operand.name]
            title = tr("tensors.broadcast.title", name=operand.name, shape=fmt_shape(operand.values.shape),
                       target=fmt_shape(values.shape))
            _grid(operand.name, values, "", f"tensors.bc.{operand.name}", mask=mask, title=title)


def outputs_view(tensors: list[Tensor], key: str) -> None:
    """The outputs of one framework (several for split), each as a grid."""
    for i, out in enumerate(tensors):
        _grid(out.name, out.values, out.dtype, f"{key}.{i}")


def agreement(run: OpRun) -> None:
    """Whether PyTorch and TensorFlow agree, said in words."""
    if run.tf_error:
        st.warning(tr("tensors.tf_failed", error=run.tf_error), icon=":material/warning:")
    elif run.agree:
        torch_dtype, tf_dtype = run.torch_out[0].dtype, run.tf_out[0].dtype
        text = tr("tensors.agree") if torch_dtype == tf_dtype else tr("tensors.agree_dtype", torch=torch_dtype,
                                                                       tf=tf_dtype)
        st.success(text, icon=":material/check_circle:")
    elif run.agree is None and run.tf_out is not None:
        st.info(tr("tensors.random_differ"), icon=":material/casino:")
    elif run.tf_out is not None:
        st.warning(tr("tensors.disagree"), icon=":material/warning:")
