"""A training that a page follows inside its own script run, but that runs through the shared job manager.

Not a page (``app.py`` lists pages explicitly). For trainings of a few seconds (the /gnn whole-graphs tab) a live
fragment is more than needed, but the class limits still apply: the job waits for a free slot like every other
training (its place in the queue is shown), runs with the per-job thread budget, and stops if the script run that
follows it is interrupted (another click, a closed tab).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from threading import Event

import streamlit as st

from pages._ui import session_id, tr

POLL_S = 0.2


def run_bounded(run: Callable[[Event], Iterator], on_event: Callable[[object], None], label: str) -> bool:
    """Submit ``run(stop_flag)`` to the process-wide job manager and hand each event to ``on_event`` here, until
    the job ends. Returns False (with an ``st.error``) when the job crashed."""
    from pages._train_panel import job_manager

    manager = job_manager()
    job = manager.submit(session_id(), run, label=label)
    waiting = st.empty()
    try:
        while True:
            for event in job.drain():
                on_event(event)
            if not job.active and job.events.empty():
                break
            if job.status == "queued":
                waiting.info(tr("train.queued", pos=manager.position(job)), icon=":material/hourglass_top:")
            else:
                waiting.empty()
            time.sleep(POLL_S)
    finally:
        if job.active:  # this script run was interrupted: nobody follows the job any more
            job.stop()
    waiting.empty()
    manager.forget(job)
    if job.error:
        st.error(tr("train.crashed", detail=job.error[:120]), icon=":material/error:")
        return False
    return True
