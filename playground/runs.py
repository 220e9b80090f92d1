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
