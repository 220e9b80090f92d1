from __future__ import annotations

import threading
import time

from playground.jobs import DONE, ERROR, QUEUED, RUNNING, STOPPED, JobManager


def ticking(n: int, gate: threading.Event | None = None, pause: float = 0.01):
    def run(stop):
        for i in range(n):
            if stop.is_set():
                return
            if gate is not None:
                gate.wait(5)
            time.sleep(pause)
            yield i
    return run


def wait_until(pred, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def test_bounded_concurrency_and_fifo_positions():
    gate = threading.Event()
    m = JobManager(max_jobs=1)
    a, b, c = (m.submit(f"s{i}", ticking(3, gate)) for i in range(3))
    assert wait_until(lambda: a.status == RUNNING)
    assert b.status == QUEUED and c.status == QUEUED
    assert (m.position(a), m.position(b), m.position(c)) == (0, 1, 2)
    assert m.running == 1 and m.waiting == 2
    gate.set()
    assert wait_until(lambda: c.status == DONE)
    assert [a.status, b.status] == [DONE, DONE] and a.finished <= b.started <= c.started


def test_events_are_queued_and_drained():
    m = JobManager(max_jobs=2)
    job = m.submit("s", ticking(5))
    assert wait_until(lambda: job.status == DONE)
    assert job.drain() == [0, 1, 2, 3, 4] and job.drain() == [] and job.last == 4


def test_stop_running_and_queued_jobs():
    gate = threading.Event()
    m = JobManager(max_jobs=1)
    a = m.submit("s1", ticking(1000, pause=0.005))
    b = m.submit("s2", ticking(3, gate))
    assert wait_until(lambda: a.status == RUNNING)
    b.stop()
    assert wait_until(lambda: b.status == STOPPED)
    a.stop()
    assert wait_until(lambda: a.status == STOPPED)
    assert len(a.drain()) < 1000


def test_cancel_owner_stops_only_that_sessions_jobs():
    m = JobManager(max_jobs=2)
    mine = m.submit("me", ticking(1000, pause=0.005))
    other = m.submit("you", ticking(1000, pause=0.005))
    assert wait_until(lambda: mine.status == RUNNING and other.status == RUNNING)
    assert m.cancel_owner("me") == 1
    assert wait_until(lambda: mine.status == STOPPED)
    assert other.status == RUNNING
    other.stop()


def test_a_crashing_job_is_reported_not_raised():
    def broken(stop):
        yield 1
        raise RuntimeError("boom")

    m = JobManager(max_jobs=1)
    job = m.submit("s", broken)
    assert wait_until(lambda: job.status == ERROR)
    assert "boom" in job.error
    after = m.submit("s", ticking(2))  # the manager keeps working
    assert wait_until(lambda: after.status == DONE)


def test_gpu_jobs_share_each_gpu_through_its_slots():
    gate = threading.Event()
    bound: list[tuple[str, int]] = []
    m = JobManager(max_jobs=4, gpus=2, jobs_per_gpu=1,
                   bind_gpu=lambda i: bound.append((threading.current_thread().name, i)))
    jobs = [m.submit(f"s{i}", ticking(2, gate), gpu=True) for i in range(3)]
    assert wait_until(lambda: sum(j.status == RUNNING for j in jobs) == 2)
    time.sleep(0.2)
    assert jobs[2].status == QUEUED  # a free job slot, but both GPUs are taken
    assert sorted(j.gpu_index for j in jobs[:2]) == [0, 1]
    cpu_job = m.submit("cpu", ticking(1))  # FIFO: it waits behind the GPU job
    gate.set()
    assert wait_until(lambda: all(j.status == DONE for j in [*jobs, cpu_job]))
    assert jobs[2].gpu_index in (0, 1) and cpu_job.gpu_index is None
    assert len(bound) == 3 and {name for name, _ in bound} == {f"train-job-{j.id}" for j in jobs}


def test_gpu_flag_is_ignored_without_gpus():
    m = JobManager(max_jobs=1, gpus=0)
    job = m.submit("s", ticking(2), gpu=True)
    assert wait_until(lambda: job.status == DONE) and job.gpu_index is None


def test_jobs_of_a_closed_session_are_stopped_after_the_grace_period():
    alive = {"a": True, "b": True}
    m = JobManager(max_jobs=2, owner_alive=alive.get, orphan_grace_s=10)
    a = m.submit("a", ticking(100_000, pause=0.001))
    b = m.submit("b", ticking(100_000, pause=0.001))
    assert wait_until(lambda: a.status == RUNNING and b.status == RUNNING)
    alive["a"] = False
    assert m.reap_orphans(now=100.0) == 0  # just left: maybe a network blip
    alive["a"] = True
    assert m.reap_orphans(now=105.0) == 0  # came back: the clock restarts
    alive["a"] = False
    assert m.reap_orphans(now=106.0) == 0
    assert m.reap_orphans(now=116.5) == 1
    assert wait_until(lambda: a.status == STOPPED)
    assert b.status == RUNNING  # another student's job is untouched
    b.stop()
    assert wait_until(lambda: b.status == STOPPED)


def test_the_reaper_thread_runs_by_itself():
    alive = {"gone": False}
    m = JobManager(max_jobs=1, owner_alive=alive.get, orphan_grace_s=0.2)
    job = m.submit("gone", ticking(100_000, pause=0.001))
    assert wait_until(lambda: job.status == STOPPED, timeout=10)
