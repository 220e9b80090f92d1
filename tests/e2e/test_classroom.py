"""Three students at once on one server: each trains its own network and sees only its own results."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_three_students_train_at_once_and_see_only_their_own(chromium_path):
    out = subprocess.run([sys.executable, "scripts/bench/classroom.py", "--sessions", "3", "--settle", "1",
                          "--timeout", "240"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert "errors: 0, finished: 3/3" in out.stdout, out.stdout + out.stderr[-2000:]
    assert out.returncode == 0


def test_a_closed_tab_frees_its_training_slot(browser, monkeypatch):
    """Student A starts a long training and closes the tab; B, queued behind it, gets the slot soon after."""
    import re

    from playground.spec import ModelSpec, encode_spec
    from tests.e2e.conftest import free_port, start_server, stop_server

    monkeypatch.setenv("PLAYGROUND_MAX_JOBS", "1")
    monkeypatch.setenv("PLAYGROUND_ORPHAN_GRACE_S", "2")
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}/build?lang=en"
        a = browser.new_context(viewport={"width": 1280, "height": 900})
        pa = a.new_page()
        pa.goto(base + "&dataset=mnist&epochs=100&batch_size=16")  # the notes' CNN: many minutes of work
        pa.get_by_role("button", name="Train", exact=True).click(timeout=120_000)
        pa.get_by_text(re.compile(r"^Step \d+ of \d+")).first.wait_for(timeout=120_000)
        mlp = ModelSpec.from_dict({"input_shape": [2], "layers": [
            {"type": "dense", "units": 8, "activation": "tanh"}, {"type": "dense", "units": 2}]})
        url = f"{base}&dataset=xor&spec={encode_spec(mlp)}"
        b = browser.new_context(viewport={"width": 1280, "height": 900})
        pb = b.new_page()
        pb.goto(url + "&epochs=1")
        pb.get_by_role("button", name="Train", exact=True).click(timeout=120_000)
        pb.get_by_text("position 1 in the queue").wait_for(timeout=60_000)  # behind A's long run
        a.close()  # A leaves: the server notices the closed session and stops its job after 2 s
        pb.get_by_text("Finished: ").wait_for(timeout=45_000)  # A's 100 epochs would take many minutes
        b.close()
    finally:
        stop_server(server)
