"""Bookkeeping of training runs: a run is a plain dict updated by the trainer's events.

The page keeps the runs of a session in ``st.session_state``; this module has no Streamlit, so
the whole life of a run (progress, ETA, curves, final state) is unit-tested.
"""
from __future__ import annotations

import time
from dataclasses import asdict

from playground.training import DoneEvent, EpochEvent, ErrorEvent, StartEvent, StepEvent, TrainConfig

MAX_STEP_POINTS = 2000


def new_run(run_id: int, spec: dict, dataset: str, config: TrainConfig) -> dict:
    return {
        "id": run_id,
        "spec": spec,
        "dataset": dataset,
        "config": config.to_dict(),
        "status": "queued",
        "step": 0,
        "total_steps": None,
        "samples_per_s": None,
        "eta_s": None,
        "steps": [],  # (step, loss), thinned to at most MAX_STEP_POINTS
        "history": [],  # EpochEvent as dicts
        "reason": None,
        "error": None,  # (key, kwargs) of an ErrorEvent
        "best_epoch": None,
        "started": None,
        "device": None,
    }


def apply_event(run: dict, event, now: float | None = None) -> None:
    """Fold one trainer event into ``run`` (in place)."""
    now = time.time() if now is None else now
    if isinstance(event, StartEvent):
        run.update(status="running", started=now, total_steps=event.epochs * event.steps_per_epoch,
                   device=event.device, params=event.params, n_train=event.n_train)
    elif isinstance(event, StepEvent):
        run.update(step=event.step, total_steps=event.total_steps, samples_per_s=event.samples_per_s)
        steps = run["steps"]
        steps.append((event.step, event.loss))
        if len(steps) > MAX_STEP_POINTS:
            del steps[::2]  # keep the curve's shape, halve the points
        if run["started"] and event.step:
            elapsed = now - run["started"]
            run["eta_s"] = elapsed / event.step * (event.total_steps - event.step)
    elif isinstance(event, EpochEvent):
        run["history"].append(asdict(event))
    elif isinstance(event, DoneEvent):
        run.update(status=event.reason, reason=event.reason, best_epoch=event.best_epoch, eta_s=0)
    elif isinstance(event, ErrorEvent):
        run.update(status="error", error=(event.key, event.kwargs), eta_s=None)


def progress(run: dict) -> float:
    """Share of steps done, in [0, 1]."""
    total = run.get("total_steps") or 0
    return min(1.0, run.get("step", 0) / total) if total else 0.0


def last_metric(run: dict, name: str):
    return run["history"][-1][name] if run["history"] else None


def apply_events(run: dict, events, now: float | None = None) -> dict | None:
    """Fold a drained batch of trainer events into ``run``; returns the trained model the batch ended with.

    The returned dict (``model``, ``backend``, ``spec``, ``dataset``, ``run``) is what the page keeps as the
    session's model, for a finished run and for a failed one alike (the model trained so far stays usable);
    ``None`` when the batch holds no ending with a model.
    """
    trained = None
    for event in events:
        apply_event(run, event, now)
        if isinstance(event, (DoneEvent, ErrorEvent)) and event.model is not None:
            trained = {"model": event.model, "backend": event.backend, "spec": run["spec"],
                       "dataset": run["dataset"], "run": run["id"]}
    return trained


def crashed(run: dict, error: str) -> None:
    """Mark ``run`` as failed by an exception in the job (not a trainer ErrorEvent); the detail is shortened."""
    run.update(status="error", error=("train.crashed", {"detail": error[:120]}))


def fmt_eta(seconds: float | None) -> str:
    """``"42 s"``, ``"3 min 05 s"``, or ``"–"`` when unknown."""
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def history_rows(runs: list[dict], t) -> list[dict]:
    """One table row per run that has epochs, with column names and values translated by ``t(key)``."""
    return [{
        "#": r["id"],
        t("train.dataset"): t(f"dataset.{r['dataset']}"),
        t("train.backend"): r["config"]["backend"],
        t("train.optimizer"): r["config"]["optimizer"],
        t("train.lr"): r["config"]["lr"],
        t("train.epochs"): len(r["history"]),
        t("train.batch_size"): r["config"]["batch_size"],
        t("train.val_accuracy"): last_metric(r, "val_accuracy"),
        t("train.val_loss"): last_metric(r, "val_loss"),
        t("train.status"): t(f"train.status.{r['status']}"),
    } for r in runs if r["history"]]
