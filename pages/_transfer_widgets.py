"""Streamlit views of the transfer page: settings, the frozen/trainable grid, the live comparison, ImageNet.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.transfer`` and
``playground.viz.transfer``; these functions lay out widgets, run the job and translate.
"""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from pages._train_panel import job_manager
from pages._ui import labeler, live_drawn, live_fragment, session_id, show_error, tr
from playground import transfer as tl
from playground.viz.training import plot_image_grid
from playground.viz.transfer import plot_curves, plot_final, plot_freeze

S = st.session_state
PER_CLASS = (1, 3, 5, 10, 20, 50)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 1.0, 10.0)
FACTORS = (0.01, 0.03, 0.1, 0.3, 1.0)


@st.cache_resource(show_spinner=False)
def _backbone():
    """The shipped pretrained network, shared read-only (each strategy copies its weights)."""
    return tl.load_backbone()


@st.cache_resource(show_spinner=False, max_entries=8)
def _target(name: str, per_class: int, seed: int) -> tl.TargetData:
    return tl.load_target(name, per_class, seed)


def _names() -> dict[str, str]:
    return {s: tr(f"transfer.strategy.{s}") for s in (*tl.STRATEGIES, "imagenet")}


def backbone_info() -> None:
    """What the shipped network is and how it was made."""
    meta_path = tl.SHIPPED.with_suffix(".json")
    if not meta_path.exists():
        return
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    st.markdown(tr("transfer.backbone.info", acc=f"{meta['test_accuracy']:.1%}", n_train=meta["n_train"],
                   n_test=meta["n_test"]))
    st.caption(tr("transfer.backbone.command", command=meta["command"]))


def settings(key_prefix: str) -> tl.TransferConfig:
    """The comparison's settings, as a TransferConfig (checked when it starts)."""
    c = st.columns(3)
    target = c[0].radio(tr("transfer.target"), tl.TARGETS, format_func=labeler("transfer.target."), horizontal=True,
                        key=f"{key_prefix}.target", help=tr("transfer.target.help"))
    per_class = c[1].select_slider(tr("transfer.per_class"), PER_CLASS, value=10, key=f"{key_prefix}.per_class",
                                   help=tr("transfer.per_class.help"))
    epochs = c[2].number_input(tr("transfer.epochs"), 1, 100, 20, key=f"{key_prefix}.epochs")
    c = st.columns(3)
    lr = c[0].select_slider(tr("transfer.lr"), LRS, value=3e-3, format_func=lambda v: f"{v:g}",
                            key=f"{key_prefix}.lr", help=tr("transfer.lr.help"))
    unfreeze = c[1].radio(tr("transfer.unfreeze"), (1, 2), horizontal=True, key=f"{key_prefix}.unfreeze",
                          format_func=labeler("transfer.unfreeze."), help=tr("transfer.unfreeze.help"))
    factor = c[2].select_slider(tr("transfer.factor"), FACTORS, value=0.1, format_func=lambda v: f"×{v:g}",
                                key=f"{key_prefix}.factor", help=tr("transfer.factor.help"))
    return tl.TransferConfig(target=target, per_class=int(per_class), epochs=int(epochs), lr=float(lr),
                             unfreeze=int(unfreeze), lr_factor=float(factor), seed=0)


def freeze_view(config: tl.TransferConfig) -> None:
    """Which layers each strategy trains, at which rate, and how many parameters that is."""
    classes = 4 if config.target == "shapes" else 5
    table, counts = {}, {}
    for s in tl.STRATEGIES:
        model = tl.build_model(s, _backbone(), classes, config.unfreeze, config.seed)
        table[s] = tl.layer_rows(model, s, config.unfreeze, config.lr, config.lr_factor)
        counts[s] = tl.count_params(model)
    states = [tr("transfer.state.frozen"), tr("transfer.state.lower", factor=f"{config.lr_factor:g}"),
              tr("transfer.state.full")]
    st.plotly_chart(plot_freeze(table, _names(), states, tr("transfer.freeze.title")), width="stretch",
                    key="transfer.freeze_fig")
    c = st.columns(3)
    for i, s in enumerate(tl.STRATEGIES):
        trainable, total = counts[s]
        c[i].metric(tr("transfer.trainable", name=_names()[s]), f"{trainable:,}", help=tr("transfer.trainable.help"))
        c[i].caption(f"{trainable / total:.1%} " + tr("transfer.of_total", total=f"{total:,}"))


def samples_view(config: tl.TransferConfig) -> tl.TargetData | None:
    """A few of the labelled training images, as the network sees them (shapes: made MNIST-like)."""
    try:
        data = _target(config.target, config.per_class, config.seed)
    except tl.TransferError as exc:
        show_error(exc)
        return None
    shown = min(len(data.x_train), 16)
    idx = [int(i) for i in range(0, len(data.x_train), max(1, len(data.x_train) // shown))][:shown]
    titles = [data.classes[int(data.y_train[i])] for i in idx]
    st.plotly_chart(plot_image_grid(data.x_train[idx].numpy(), titles, cols=8), width="stretch",
                    key="transfer.samples_fig")
    st.caption(tr(f"transfer.samples.{config.target}", n_train=len(data.x_train), n_test=len(data.x_test)))
    return data


# ---------------------------------------------------------------- the comparison job


def _start(config: tl.TransferConfig, data: tl.TargetData) -> None:
    try:
        config.check()
        backbone = _backbone()
    except tl.TransferError as exc:
        show_error(exc)
        return
    S["transfer.result"] = {"config": config.__dict__, "history": {}, "accuracies": {}, "counts": {},
                            "failed": [], "done": False, "stopped": False}
    S["transfer.job"] = job_manager().submit(session_id(), lambda stop: tl.compare(config, stop, backbone, data),
                                             label="transfer")


def _collect() -> None:
    job, result = S.get("transfer.job"), S.get("transfer.result")
    if job is None or result is None:
        return
    for ev in job.drain():
        if isinstance(ev, tl.StrategyStart):
            result["counts"][ev.strategy] = (ev.trainable, ev.total)
            result["history"][ev.strategy] = []
        elif isinstance(ev, tl.EpochResult):
            result["history"][ev.strategy].append({"epoch": ev.epoch, "test_accuracy": ev.test_accuracy,
                                                   "train_loss": max(ev.train_loss, 1e-6)})
        elif isinstance(ev, tl.StrategyDone):
            result["accuracies"][ev.strategy] = ev.test_accuracy
        elif isinstance(ev, tl.TransferFailed):
            result["failed"].append((ev.key, ev.kwargs))
        elif isinstance(ev, tl.CompareDone):
            result.update(done=True, stopped=ev.stopped, n_train=ev.n_train, n_test=ev.n_test)
    if not job.active and job.events.empty():
        if job.error:
            result["failed"].append(("transfer.error.crashed", {"detail": job.error[:120]}))
        result["done"] = True
        S.pop("transfer.job", None)
        job_manager().forget(job)


def _progress(result: dict) -> None:
    cfg = result["config"]
    epochs_done = sum(len(h) for h in result["history"].values())
    total = cfg["epochs"] * len(cfg["strategies"])
    if result["done"]:
        text = tr("transfer.progress.stopped" if result["stopped"] else "transfer.progress.done")
    else:
        text = tr("transfer.progress", done=epochs_done, total=total)
    st.progress(min(1.0, epochs_done / max(total, 1)) if not result["done"] else 1.0, text=text)


def _live() -> None:
    _collect()
    result = S.get("transfer.result")
    if result is None:
        st.info(tr("transfer.not_trained"), icon=":material/info:")
        return
    _progress(result)
    for key, kwargs in result["failed"]:
        st.error(tr(key, **{k: _names().get(v, v) if k == "strategy" else v for k, v in kwargs.items()}),
                 icon=":material/error:")
    names = _names()
    if result["history"]:
        labels = {"accuracy": tr("transfer.curve.accuracy"), "loss": tr("transfer.curve.loss"),
                  "epoch": tr("transfer.curve.epoch")}
        st.plotly_chart(plot_curves(result["history"], names, labels), width="stretch", key="transfer.curves_fig")
    if result["done"] and result["accuracies"]:
        c = st.columns([2, 3])
        c[0].plotly_chart(plot_final(result["accuracies"], names, tr("transfer.final.title")), width="stretch",
                          key="transfer.final_fig")
        table = pd.DataFrame({
            tr("transfer.table.strategy"): [names[s] for s in result["accuracies"]],
            tr("transfer.table.accuracy"): [f"{a:.1%}" for a in result["accuracies"].values()],
            tr("transfer.table.trainable"): [f"{result['counts'][s][0]:,}" for s in result["accuracies"]],
        })
        c[1].dataframe(table, hide_index=True, width="stretch")
        c[1].caption(tr("transfer.final.caption", n_train=result.get("n_train", "?"),
                        n_test=result.get("n_test", "?")))


def compare_view(config: tl.TransferConfig, data: tl.TargetData | None) -> None:
    """Train/Stop buttons and the live fragment with curves, then the final accuracies side by side."""
    if S.pop("transfer.requested", False) and S.get("transfer.job") is None and data is not None:
        _start(config, data)
    job = S.get("transfer.job")
    c = st.columns([1, 1, 4])
    c[0].button(tr("transfer.start"), type="primary", icon=":material/play_arrow:", disabled=job is not None,
                key="transfer.start", on_click=S.__setitem__, args=("transfer.requested", True))
    c[1].button(tr("transfer.stop"), icon=":material/stop:", disabled=job is None, key="transfer.stop",
                on_click=lambda: S["transfer.job"].stop() if S.get("transfer.job") else None)
    live_fragment("transfer", "transfer.job", _live)
    live_drawn("transfer", "transfer.job")


# ---------------------------------------------------------------- ImageNet weights, when cached


def imagenet_view(data: tl.TargetData | None) -> None:
    """Offer torchvision's ImageNet weights that are already cached; otherwise say how to get them."""
    found = tl.imagenet_checkpoints()
    if not found:
        st.info(tr("transfer.imagenet.absent"), icon=":material/info:")
        st.code("\n".join(tl.imagenet_download_line(n) for n in tl.IMAGENET_MODELS), language="bash")
        return
    name = st.radio(tr("transfer.imagenet.model"), list(found), horizontal=True, key="transfer.imagenet.model")
    st.caption(tr("transfer.imagenet.slow"))
    if data is not None and st.button(tr("transfer.imagenet.run"), key="transfer.imagenet.run"):
        with st.spinner(tr("transfer.imagenet.running")):
            try:
                acc, n = tl.imagenet_feature_extraction(name, found[name], data)
            except Exception as exc:  # noqa: BLE001 - a broken cache file must not crash the page
                st.error(tr("transfer.imagenet.broken", detail=str(exc)[:120]), icon=":material/error:")
                return
        st.metric(tr("transfer.imagenet.result", name=name, n=n), f"{acc:.1%}")
