from __future__ import annotations

import pytest

from playground import device


def test_cpu_is_picked_without_a_gpu(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    monkeypatch.setattr(device.torch.cuda, "is_available", lambda: False)
    assert device.pick_device().type in {"cpu", "mps"}


def test_forced_device(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    assert device.pick_device().type == "cpu"


def test_thread_budget_comes_from_the_limits(monkeypatch):
    from playground import limits

    monkeypatch.delenv("PLAYGROUND_JOB_THREADS", raising=False)
    monkeypatch.setattr(limits, "cpu_count", lambda: 9)
    monkeypatch.setenv("PLAYGROUND_MAX_JOBS", "4")
    assert device.job_threads() == 2 and device.max_concurrent_jobs() == 4
    monkeypatch.setenv("PLAYGROUND_MAX_JOBS", "16")
    assert device.job_threads() == 1  # never below one thread
    monkeypatch.setenv("PLAYGROUND_JOB_THREADS", "3")
    assert device.job_threads() == 3


def test_describe_cpu(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    info = device.describe()
    assert info.kind == "cpu" and info.threads >= 1


@pytest.mark.skipif(not device.torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_describe_cuda(monkeypatch):  # runs on the GPU machine
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    info = device.describe()
    assert info.kind == "cuda" and info.memory_gb and info.memory_gb > 1


def test_tensorflow_configured_lazily():
    import sys

    device.configure_tensorflow.cache_clear()
    tf = device.configure_tensorflow()
    assert "tensorflow" in sys.modules
    assert tf.config.threading.get_intra_op_parallelism_threads() == device.job_threads()


def test_keras_then_torch_training_in_one_process_does_not_crash():
    """triton loaded after TensorFlow segfaults; build_keras must load it first (see device.py)."""
    import subprocess
    import sys

    code = (
        "import torch\n"
        "from playground.builders import build_keras\n"
        "from playground.presets import PRESETS\n"
        "build_keras(PRESETS['keras_mlp_100'].model_spec())\n"
        "torch.optim.Adam(torch.nn.Linear(2, 2).parameters())\n"
        "import torchvision\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    assert out.returncode == 0, (out.returncode, out.stderr[-1500:])
    assert out.stdout.strip().endswith("ok")
