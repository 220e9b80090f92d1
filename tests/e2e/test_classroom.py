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
