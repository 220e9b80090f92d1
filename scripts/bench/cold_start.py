"""Cold start: seconds from launching `streamlit run app.py` to the home page rendered in Chromium.

Also times the Build page's first render on the same (now warm) server, and, side by side,
what importing torch and TensorFlow costs in a fresh interpreter, so the ratio shows why
TensorFlow is imported only inside the functions that use it.

    .venv/bin/python scripts/bench/cold_start.py [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playground.i18n import t  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server  # noqa: E402


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    return float(out.stdout.strip().splitlines()[-1])


def one_run(browser) -> tuple[float, float]:
    port = free_port()
    start = time.perf_counter()
    proc = start_server(port)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/?lang=en")
        page.get_by_role("heading", name=t("home.title", "en"), exact=True).wait_for(timeout=120_000)
        home = time.perf_counter() - start
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/build?lang=en")
        page.get_by_text("347,146").first.wait_for(timeout=120_000)
        build = time.perf_counter() - t0
        page.close()
        return home, build
    finally:
        stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = [one_run(browser) for _ in range(args.runs)]
        browser.close()
    homes, builds = [r[0] for r in runs], [r[1] for r in runs]
    torch_s, tf_s = import_seconds("torch"), import_seconds("tensorflow")
    print(f"server start -> home rendered: median {statistics.median(homes):.1f} s "
          f"(runs: {', '.join(f'{h:.1f}' for h in homes)})")
    print(f"first visit to /build (summary shown): median {statistics.median(builds):.1f} s")
    print(f"import torch {torch_s:.1f} s, import tensorflow {tf_s:.1f} s "
          f"(tensorflow/torch = {tf_s / torch_s:.1f}x; TensorFlow is never imported at start-up)")


if __name__ == "__main__":
    main()
