"""Classroom load test: N students open /build at once, each trains its own network, none sees another's.

One ``streamlit run app.py`` on loopback (default settings: the job manager's limits, one thread per job)
and one Chromium with N browser contexts (separate cookies and sessions, like N laptops). Each student:

1. opens ``/build`` with a link to its own network (a 2-D toy MLP whose hidden width is 4 + its number,
   so every student's parameter count differs) on the xor set, 2 epochs;
2. checks that the summary shows its own parameter count;
3. clicks Train and waits until the progress bar says the run finished (queued students see their
   position in the queue meanwhile);
4. checks that the results are its own: "Results of run #1" (no one else's runs in its history) and its
   own parameter count still on the page.

Prints one line per failure, then ``errors: E, finished: F/N``, p50/p95 seconds from the click on Train to
"finished", the most students seen waiting in the queue at once, and the server's RSS before the
students come, at the peak, and after every browser context has closed.

    .venv/bin/python scripts/bench/classroom.py --sessions 30
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playground.spec import ModelSpec, encode_spec  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


def student_spec(i: int) -> tuple[ModelSpec, int]:
    """Student ``i``'s network and its parameter count (2 -> h -> 2 with h = 4 + i: 5h + 2 parameters)."""
    h = 4 + i
    spec = ModelSpec.from_dict({"input_shape": [2], "layers": [
        {"type": "dense", "units": h, "activation": "tanh"}, {"type": "dense", "units": 2, "activation": "linear"}]})
    return spec, 5 * h + 2


args_verbose = False


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.25)


def start_server(port: int, env_extra: dict) -> subprocess.Popen:
    env = {**os.environ, **env_extra}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
           "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the server.
    log = open(Path(tempfile.gettempdir()) / f"classroom-server-{port}.log", "w")  # noqa: SIM115 - lives with proc
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start")


async def student(i: int, browser, base: str, timeout_ms: int, results: dict, queue_seen: list) -> None:
    spec, params = student_spec(i)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = await context.new_page()
    try:
        url = f"{base}/build?lang=en&dataset=xor&epochs=2&spec={encode_spec(spec)}"
        await page.goto(url, timeout=timeout_ms)
        values = page.locator("[data-testid=stMetricValue]")
        await page.get_by_text(f"{params:,}", exact=True).first.wait_for(timeout=timeout_ms)
        await page.get_by_role("button", name="Train", exact=True).click(timeout=timeout_ms)
        t0 = time.monotonic()
        if args_verbose:
            print(f"student {i}: clicked Train", flush=True)
        finished = page.get_by_text("Finished: ", exact=False).first
        queued = page.get_by_text("waiting", exact=False)
        while True:
            if await finished.is_visible():
                break
            if await queued.count():
                queue_seen.append(time.monotonic())
            if (time.monotonic() - t0) * 1000 > timeout_ms:
                raise TimeoutError("training did not finish")
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - t0
        if args_verbose:
            print(f"student {i}: finished after {elapsed:.1f} s", flush=True)
        await page.get_by_text("Results of run #1").wait_for(timeout=timeout_ms)
        problems = []
        if await page.get_by_text("Results of run #2").count():
            problems.append("sees a second run it never started")
        # The page may still be redrawing after the run (its metrics briefly absent): read until it settles.
        deadline = time.monotonic() + 60
        while True:
            shown = [await v.inner_text() for v in await values.all()]
            if f"{params:,}" in shown or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        if f"{params:,}" not in shown:
            problems.append(f"summary shows {shown}, expected its own {params:,} parameters")
        if await page.locator("[data-testid=stException]").count():
            problems.append("a traceback on the page")
        results[i] = ("ok", elapsed) if not problems else ("wrong", "; ".join(problems))
    except Exception as exc:  # noqa: BLE001 - every failure is counted and printed
        results[i] = ("error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()


async def main_async(args) -> int:
    from playwright.async_api import async_playwright

    port = free_port()
    server = start_server(port, {"OMP_NUM_THREADS": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        results: dict[int, tuple] = {}
        queue_seen: list[float] = []
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM,
                                              args=[*CHROMIUM_ARGS, "--renderer-process-limit=6"])
            # One visit first, so "before" counts the server with torch and the pages loaded, not the imports.
            warm = await browser.new_page()
            await warm.goto(f"{base}/build?lang=en", timeout=args.timeout * 1000)
            await warm.get_by_text("Train", exact=True).first.wait_for(timeout=args.timeout * 1000)
            await warm.close()
            time.sleep(args.settle)
            before = rss_mb(server.pid)
            sampler = RssSampler(server.pid)
            sampler.start()
            t0 = time.monotonic()
            await asyncio.gather(*(student(i, browser, base, args.timeout * 1000, results, queue_seen)
                                   for i in range(args.sessions)))
            wall = time.monotonic() - t0
            await browser.close()
        time.sleep(args.settle)
        sampler.stop.set()
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    times = sorted(r[1] for r in results.values() if r[0] == "ok")
    errors = [(i, r) for i, r in sorted(results.items()) if r[0] != "ok"]
    for i, (kind, detail) in errors:
        print(f"student {i}: {kind}: {detail}")
    print(f"errors: {len(errors)}, finished: {len(times)}/{args.sessions}")
    if errors:
        print(f"server log: {server.log_path}")
    if times:
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"time from Train to finished: p50 {statistics.median(times):.1f} s, p95 {p95:.1f} s, "
              f"max {times[-1]:.1f} s; all {args.sessions} students done in {wall:.0f} s")
    print(f"queue positions shown: {'yes' if queue_seen else 'no'}")
    print(f"server RSS: before {before:.0f} MB, peak {sampler.peak:.0f} MB, after {after:.0f} MB "
          f"({args.settle:.0f} s after the last tab closed)")
    return 0 if not errors else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--timeout", type=int, default=600, help="seconds each student may wait")
    ap.add_argument("--settle", type=float, default=15.0, help="seconds to wait before the last RSS reading")
    ap.add_argument("--verbose", action="store_true", help="print each student's steps")
    args = ap.parse_args()
    global args_verbose
    args_verbose = args.verbose
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
