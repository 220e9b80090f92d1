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
