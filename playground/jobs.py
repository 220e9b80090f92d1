"""Background training jobs: a bounded number at once, FIFO queue positions, a stop flag each.

One process-wide ``JobManager`` (the app keeps it in ``st.cache_resource``). A job's thread
never touches Streamlit: it pushes events into the job's queue, and the page drains them from a
fragment. A rerun of the page never kills or restarts a job; ``stop()`` acts within one batch.
"""
from __future__ import annotations

import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

QUEUED, RUNNING, DONE, STOPPED, ERROR = "queued", "running", "done", "stopped", "error"


def default_max_jobs() -> int:
    """See ``playground.limits.max_jobs``: the teacher's number, else one per GPU slot, else cores // 2."""
    from playground.limits import max_jobs

    return max_jobs()


def _set_cuda_device(index: int) -> None:
    """Make GPU ``index`` this thread's current CUDA device: "cuda" inside the job means it."""
    import torch

    torch.cuda.set_device(index)


@dataclass
class Job:
    """One training run. ``events`` is drained by the page; ``last`` keeps the final event."""

    id: int
    owner: str
    label: str
    run: Callable[[threading.Event], Iterator[Any]]
    status: str = QUEUED
    stop_flag: threading.Event = field(default_factory=threading.Event)
    events: queue.Queue = field(default_factory=queue.Queue)
    last: Any = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    thread: threading.Thread | None = None
    gpu: bool = False  # needs a GPU slot; ``gpu_index`` is the GPU it got (the thread's current CUDA device)
    gpu_index: int | None = None

    def stop(self) -> None:
        self.stop_flag.set()

    def drain(self, limit: int = 10_000) -> list:
        """Every event queued since the last drain (at most ``limit``)."""
        out = []
        while len(out) < limit:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                break
        return out

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)


class JobManager:
    """Runs jobs in threads, at most ``max_jobs`` at a time, first come first served.

    GPU jobs also take a slot on one GPU (``jobs_per_gpu`` each: a semaphore per GPU); the job's thread
    then has that GPU as its current CUDA device, so ``torch.device("cuda")`` inside the job means it.
    With ``owner_alive`` (a session id -> still connected? callable), a reaper thread stops the jobs of
    a session that has been gone for ``orphan_grace_s`` seconds: a closed tab frees its place.
    """

    def __init__(self, max_jobs: int | None = None, gpus: int | None = None, jobs_per_gpu: int | None = None,
                 owner_alive: Callable[[str], bool] | None = None, orphan_grace_s: float | None = None,
                 bind_gpu: Callable[[int], None] | None = None):
        from playground import limits

        lim = limits.current()
        self.max_jobs = max_jobs or default_max_jobs()
        self.gpus = limits.gpu_count() if gpus is None else gpus
        self.jobs_per_gpu = jobs_per_gpu or lim.jobs_per_gpu
        self.owner_alive = owner_alive
        self.orphan_grace_s = lim.orphan_grace_s if orphan_grace_s is None else orphan_grace_s
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._running: set[int] = set()
        self._gpu_busy = [0] * self.gpus
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._gone_since: dict[str, float] = {}
        self._reaper: threading.Thread | None = None
        self.bind_gpu = bind_gpu or _set_cuda_device

    def submit(self, owner: str, run: Callable[[threading.Event], Iterator[Any]], label: str = "",
               gpu: bool = False) -> Job:
        """Queue ``run(stop_flag)``, a generator of events; returns the Job at once.

        ``gpu=True``: the job waits for a free GPU slot too (ignored on a machine without GPUs).
        """
        job = Job(next(self._ids), owner, label, run, gpu=gpu and self.gpus > 0)
        with self._cond:
            self._jobs[job.id] = job
            self._waiting.append(job)
            if self.owner_alive is not None and self._reaper is None:
                self._reaper = threading.Thread(target=self._reap, name="job-reaper", daemon=True)
                self._reaper.start()
        job.thread = threading.Thread(target=self._work, args=(job,), name=f"train-job-{job.id}", daemon=True)
        job.thread.start()
        return job

    def reap_orphans(self, now: float | None = None) -> int:
        """Stop the jobs of sessions gone for ``orphan_grace_s`` seconds; returns how many were stopped."""
        if self.owner_alive is None:
            return 0
        now = time.monotonic() if now is None else now
        with self._cond:
            owners = {j.owner for j in self._jobs.values() if j.active}
        stopped = 0
        for owner in owners:
            if self.owner_alive(owner):
                self._gone_since.pop(owner, None)
                continue
            since = self._gone_since.setdefault(owner, now)
            if now - since >= self.orphan_grace_s:
                stopped += self.cancel_owner(owner)
                self._gone_since.pop(owner, None)
        return stopped

    def _reap(self) -> None:
        while True:
            time.sleep(min(2.0, max(0.05, self.orphan_grace_s / 4)))
            try:
                self.reap_orphans()
            except Exception:  # noqa: BLE001 - the reaper must outlive a bad callback
                pass

    def position(self, job: Job) -> int:
        """0 while running or finished; 1 for the next job to start, and so on."""
        with self._cond:
            try:
                return list(self._waiting).index(job) + 1
            except ValueError:
                return 0

    def jobs_of(self, owner: str) -> list[Job]:
        with self._cond:
            return [j for j in self._jobs.values() if j.owner == owner]

    def cancel_owner(self, owner: str) -> int:
        """Stop every active job of a session (called when the session ends); returns how many."""
        jobs = [j for j in self.jobs_of(owner) if j.active]
        for job in jobs:
            job.stop()
        with self._cond:
            self._cond.notify_all()
        return len(jobs)

    def forget(self, job: Job) -> None:
        """Drop a finished job from the registry (its events and model go with it)."""
        with self._cond:
            if not job.active:
                self._jobs.pop(job.id, None)

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _work(self, job: Job) -> None:
        with self._cond:
            while not job.stop_flag.is_set() and not (
                self._waiting and self._waiting[0] is job and len(self._running) < self.max_jobs
                and (not job.gpu or self._free_gpu() is not None)
            ):
                self._cond.wait(timeout=0.5)
            self._waiting.remove(job)
            if job.stop_flag.is_set():
                job.status, job.finished = STOPPED, time.time()
                self._cond.notify_all()
                return
            self._running.add(job.id)
            if job.gpu:
                job.gpu_index = self._free_gpu()
                self._gpu_busy[job.gpu_index] += 1
            job.status, job.started = RUNNING, time.time()
        try:
            if job.gpu_index is not None:
                self.bind_gpu(job.gpu_index)
            for event in job.run(job.stop_flag):
                job.events.put(event)
                job.last = event
            kind = type(job.last).__name__
            job.status = ERROR if kind == "ErrorEvent" else STOPPED if job.stop_flag.is_set() else DONE
        except Exception as exc:  # a bug must not kill the server: the page shows it as a message
            job.status, job.error = ERROR, f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()
            with self._cond:
                self._running.discard(job.id)
                if job.gpu_index is not None:
                    self._gpu_busy[job.gpu_index] -= 1
                self._cond.notify_all()

    def _free_gpu(self) -> int | None:
        """The least busy GPU with a free slot (call with the lock held)."""
        free = [i for i, busy in enumerate(self._gpu_busy) if busy < self.jobs_per_gpu]
        return min(free, key=lambda i: self._gpu_busy[i]) if free else None
