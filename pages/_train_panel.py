"""The training panel of the Build page: hyperparameters, Train/Stop, live curves, results, runs."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._ui import labeler, live_drawn, live_fragment, session_alive, session_id, show_error, tr
from playground import limits, runs
from playground.data import DATASETS, DatasetError, load_dataset
from playground.evaluate import classification_report, decision_grid, extent_of, forward_fn
from playground.jobs import JobManager
from playground.share import BATCH_SIZES, LRS
from playground.spec import ModelSpec
from playground.training import (
    BACKENDS,
    OPTIMIZERS,
    SCHEDULES,
    TaskMismatch,
    TrainConfig,
    resolve_task,
    train,
)
from playground.viz.training import (
    plot_confusion,
    plot_curves,
    plot_decision_boundary,
    plot_image_grid,
    plot_lr,
    plot_per_class,
    plot_step_loss,
)
from playground.weights import WeightsError, keras_model_bytes, load_weights, read_spec, save_weights

S = st.session_state


@st.cache_resource
def job_manager() -> JobManager:
    """The one process-wide job manager (bounded concurrency, shared by every session).

    It asks Streamlit's runtime whether a job's session is still connected, so a closed tab's
    training stops after the grace period (``orphan_grace_s``) and frees its place in the queue.
    """
    return JobManager(owner_alive=session_alive)


@st.cache_resource(show_spinner=False, max_entries=8)
def dataset(key: str):
    """Datasets are read-only once loaded, so every session shares them."""
    return load_dataset(key)


@st.cache_resource
def available_devices() -> list[str]:
    import torch

    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _curve_labels() -> dict:
    return {k: tr(f"train.curve.{k}") for k in ("loss", "accuracy", "epoch", "train", "val")}


def _config(is_image: bool) -> TrainConfig:
    locked, hidden = S.get("share.locked", frozenset()), S.get("share.hidden", frozenset())
    fixed = S.get("share.fixed", {})
    max_epochs = limits.current().max_epochs
    if S.get("train.epochs", 0) > max_epochs:  # a link or an old value above the teacher's limit
        S["train.epochs"] = max_epochs
    c = st.columns(4)
    if "backend" in hidden:
        backend = fixed.get("train.backend", "torch")
    else:
        backend = c[0].segmented_control(tr("train.backend"), BACKENDS, default="torch", key="train.backend",
                                         format_func={"torch": "PyTorch", "keras": "Keras"}.get,
                                         disabled="backend" in locked)
    epochs = c[1].number_input(tr("train.epochs"), 1, max_epochs, min(5, max_epochs), key="train.epochs",
                               disabled="epochs" in locked,
                               help=tr("limits.epochs", n=max_epochs) if max_epochs < 100 else None)
    batch = c[2].selectbox(tr("train.batch_size"), BATCH_SIZES, index=2, key="train.batch_size",
                           disabled="batch_size" in locked)
    lr = c[3].select_slider(tr("train.lr"), LRS, value=1e-3, key="train.lr", format_func=lambda v: f"{v:g}",
                            help=tr("train.lr.help"), disabled="lr" in locked)
    c = st.columns(4)
    optimizer = c[0].selectbox(tr("train.optimizer"), OPTIMIZERS, index=3, key="train.optimizer",
                               format_func=labeler("train.optimizer."), disabled="optimizer" in locked)
    schedule = c[1].selectbox(tr("train.schedule"), SCHEDULES, key="train.schedule", disabled="schedule" in locked,
                              format_func=labeler("train.schedule."), help=tr("train.schedule.help"))
    seed = c[2].number_input(tr("train.seed"), 0, 10_000, 0, key="train.seed", disabled="seed" in locked)
    if "device" in hidden:
        device = "auto"
    else:
        device = c[3].selectbox(tr("train.device"), available_devices(), key="train.device",
                                format_func=labeler("train.device."), help=tr("train.device.help"))
    if "regularisation" in hidden:
        return TrainConfig(epochs=int(epochs), batch_size=int(batch), lr=float(lr), optimizer=optimizer,
                           schedule=schedule, seed=int(seed), backend=backend or "torch", device=device)
    reg_locked = "regularisation" in locked
    with st.expander(tr("train.more")):
        c = st.columns(4)
        wd = c[0].number_input(tr("train.weight_decay"), 0.0, 1.0, 0.0, step=0.001, format="%.4f", key="train.wd",
                             disabled=reg_locked)
        l1 = c[1].number_input("L1", 0.0, 0.1, 0.0, step=1e-4, format="%.5f", key="train.l1", disabled=reg_locked)
        l2 = c[2].number_input("L2", 0.0, 0.1, 0.0, step=1e-4, format="%.5f", key="train.l2", disabled=reg_locked)
        early = c[3].checkbox(tr("train.early_stopping"), key="train.early", disabled=reg_locked,
                              help=tr("train.early_stopping.help"))
        patience = c[3].number_input(tr("train.patience"), 1, 20, 3, key="train.patience",
                                     disabled=not early or reg_locked)
        c = st.columns(4)
        augment = c[0].checkbox(tr("train.augment"), key="train.augment", disabled=not is_image or reg_locked,
                                help=tr("train.augment.help"))
        flip = c[1].checkbox(tr("train.flip"), key="train.flip", disabled=not (is_image and augment) or reg_locked,
                             help=tr("train.flip.help"))
    return TrainConfig(epochs=int(epochs), batch_size=int(batch), lr=float(lr), optimizer=optimizer,
                       schedule=schedule, seed=int(seed), backend=backend or "torch", weight_decay=wd, l1=l1, l2=l2,
                       early_stopping=early, patience=int(patience), augment=augment and is_image, flip=flip,
                       device=device)


def _start(spec: ModelSpec, key: str, data, config: TrainConfig) -> None:
    S.setdefault("train.runs", [])
    run = runs.new_run(len(S["train.runs"]) + 1, spec.to_dict(), key, config)
    S["train.runs"].append(run)
    # The teacher's cap on samples per epoch: a seeded subset of the training set (the test set stays whole).
    data, _ = limits.cap_training_set(data, limits.current().max_samples_per_epoch, config.seed)
    on_gpu = config.backend == "torch" and config.device in ("auto", "cuda") and bool(limits.gpu_count())
    job = job_manager().submit(session_id(), lambda stop: train(spec, data, config, stop), label=f"run {run['id']}",
                               gpu=on_gpu)
    S["train.job"] = job
    S["train.run"] = run


def _collect() -> None:
    """Fold the job's new events into its run; keep the model of a finished or failed run."""
    job, run = S.get("train.job"), S.get("train.run")
    if job is None:
        return
    trained = runs.apply_events(run, job.drain())
    if trained is not None:
        S["train.model"] = trained
    if not job.active and job.events.empty():
        if job.error:
            runs.crashed(run, job.error)
        S.pop("train.job", None)
        job_manager().forget(job)


def _live() -> None:
    _collect()
    run, job = S.get("train.run"), S.get("train.job")
    if run is None:
        return
    if job is not None and job.status == "queued":
        st.info(tr("train.queued", pos=job_manager().position(job)), icon=":material/hourglass_top:")
    sps = f"{run['samples_per_s']:,.0f}" if run.get("samples_per_s") else "–"
    total = run["total_steps"] or "?"
    if run["status"] in ("finished", "stopped", "early_stopped"):  # say how it ended, not a stale ETA
        text = tr(f"train.ended.{run['status']}", step=run["step"], total=total)
    else:
        text = tr("train.progress", step=run["step"], total=total, eta=runs.fmt_eta(run["eta_s"]), sps=sps)
    st.progress(runs.progress(run), text=text)
    if run["status"] == "error":
        key, kwargs = run["error"]
        st.error(tr(key, **kwargs), icon=":material/error:")
    c = st.columns([3, 2])
    if run["history"]:
        c[0].plotly_chart(plot_curves([(f"#{run['id']}", run["history"])], _curve_labels()), width="stretch")
        c[1].plotly_chart(plot_lr(run["history"], tr("train.lr_curve"), tr("train.curve.epoch")), width="stretch")
    if run["steps"]:  # before the first epoch ends, the step loss takes the wide column
        (c[1] if run["history"] else c[0]).plotly_chart(plot_step_loss(run["steps"], tr("train.step_loss")),
                                                        width="stretch")


def _live_then_results(data) -> None:
    """The live view, then (once the job has ended) the results and the run history, in one fragment.

    Drawn outside the fragment, the results lost elements under load: in the 10-student load test a
    fragment tick landing next to the page's full rerun left the heading, the metric and the confusion
    matrix out of the page for half of the students. Inside it they are drawn by whichever run comes last.
    """
    _live()
    if S.get("train.job") is None:
        _results(data)
        _history()


def _results(data) -> None:
    trained = S.get("train.model")
    if not trained or trained["dataset"] not in DATASETS or data.meta["task"] == "regression":
        return
    spec = ModelSpec.from_dict(trained["spec"])
    try:
        task = resolve_task(spec, data)
    except TaskMismatch:
        return
    forward = forward_fn(trained["model"], trained["backend"])
    cache_key = (trained["run"], trained["dataset"])
    if S.get("train.report_key") != cache_key:
        S["train.report"], S["train.report_key"] = classification_report(forward, task, data), cache_key
    report, names = S["train.report"], [str(n) for n in data.meta["classes"]]
    st.subheader(tr("train.results", run=trained["run"]))
    st.metric(tr("train.test_accuracy"), f"{report.accuracy:.1%}")
    c = st.columns(2)
    c[0].plotly_chart(plot_confusion(report.confusion, names, tr("train.confusion"), tr("train.true"),
                                     tr("train.pred")), width="stretch")
    c[1].plotly_chart(plot_per_class(report.per_class, names, tr("train.per_class")), width="stretch")
    if data.x_test.dim() == 4 and len(report.wrong):
        idx = report.wrong[:16]
        titles = [f"{names[int(data.y_test[i])]} → {names[int(report.predictions[i])]}" for i in idx]
        st.markdown(f"**{tr('train.mistakes')}**")
        st.plotly_chart(plot_image_grid(data.x_test[idx].numpy(), titles), width="stretch")
    if tuple(data.meta["input_shape"]) == (2,):
        extent = data.meta.get("extent") or extent_of(data.x_test)
        xs, ys, grid = decision_grid(forward, task, tuple(extent))
        st.plotly_chart(plot_decision_boundary(xs, ys, grid, data.x_test.numpy(), data.y_test.numpy(),
                                               tr("train.boundary")), width="stretch")


def _history() -> None:
    done = [r for r in S.get("train.runs", []) if r["history"]]
    if len(done) < 2:
        return
    st.subheader(tr("train.runs"))
    st.plotly_chart(plot_curves([(f"#{r['id']}", r["history"]) for r in done], _curve_labels()), width="stretch")
    rows = runs.history_rows(done, tr)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _save_load(spec: ModelSpec) -> None:
    trained = S.get("train.model")
    st.subheader(tr("train.save_load"))
    c = st.columns(2)
    # Callables: the file is produced only when the student clicks, not on every rerun.
    if trained and trained["backend"] == "torch":
        c[0].download_button(tr("train.download_weights"),
                             lambda: save_weights(trained["model"], ModelSpec.from_dict(trained["spec"])),
                             "weights.safetensors", "application/octet-stream", icon=":material/download:")
    elif trained:
        c[0].download_button(tr("train.download_keras"), lambda: keras_model_bytes(trained["model"]), "model.keras",
                             "application/octet-stream", icon=":material/download:")
    else:
        c[0].caption(tr("train.nothing_to_save"))
    upload = c[1].file_uploader(tr("train.upload_weights"), type=["safetensors"], key="train.upload",
                                help=tr("train.upload_weights.help"))
    if upload is not None and S.get("train.upload_done") != upload.file_id:
        S["train.upload_done"] = upload.file_id
        from playground.builders import build_torch

        data = upload.getvalue()
        target = read_spec(data) or spec
        try:
            model = load_weights(build_torch(target), data)
            S["train.model"] = {"model": model, "backend": "torch", "spec": target.to_dict(),
                                "dataset": S.get("build.dataset"), "run": "loaded"}
            st.success(tr("train.loaded"))
        except WeightsError as exc:
            show_error(exc)


def training_panel(spec: ModelSpec, key: str) -> None:
    """Everything under "Train" on the Build page, for the valid ``spec`` and the dataset ``key``."""
    st.header(tr("train.title"))
    if key not in DATASETS:
        st.info(tr("train.pick_dataset"))
        return
    try:
        data = dataset(key)
    except DatasetError as exc:
        show_error(exc)
        return
    meta = data.meta
    st.caption(tr("train.data_source", source=tr(meta["source"]), n_train=len(data.x_train), n_test=len(data.x_test)))
    cap = limits.current().max_samples_per_epoch
    if cap and len(data.x_train) > cap:
        st.caption(tr("limits.samples", n=cap, total=len(data.x_train)))
    config = _config(len(meta["input_shape"]) == 3)
    if S.pop("train.requested", False) and S.get("train.job") is None:
        _start(spec, key, data, config)
    job = S.get("train.job")
    c = st.columns([1, 1, 4])
    c[0].button(tr("train.start"), type="primary", icon=":material/play_arrow:", disabled=job is not None,
                key="train.start", on_click=S.__setitem__, args=("train.requested", True))
    c[1].button(tr("train.stop"), icon=":material/stop:", disabled=job is None, key="train.stop",
                on_click=lambda: S["train.job"].stop() if S.get("train.job") else None)
    live_fragment("train", "train.job", _live_then_results, data)
    if "save" not in S.get("share.hidden", frozenset()):
        _save_load(spec)
    live_drawn("train", "train.job")
