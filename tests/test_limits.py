"""Teacher-set limits: secrets and environment, validation, and what the defaults choose."""
from __future__ import annotations

import pytest
import torch

from playground import limits
from playground.limits import ENV, Limits, LimitsError, current, export_to_env


@pytest.fixture
def clean_env(monkeypatch):
    for var in ENV.values():
        monkeypatch.setenv(var, "1")  # records the original state, so teardown removes what export_to_env sets
        monkeypatch.delenv(var)
    return monkeypatch


def test_defaults_without_settings(clean_env):
    assert current() == Limits()


def test_secrets_are_exported_but_never_override_the_environment(clean_env):
    clean_env.setenv("PLAYGROUND_MAX_EPOCHS", "7")
    exported = export_to_env({"max_epochs": 20, "max_params": 5000, "max_samples_per_epoch": 300})
    assert sorted(exported) == ["max_params", "max_samples_per_epoch"]
    lim = current()
    assert (lim.max_epochs, lim.max_params, lim.max_samples_per_epoch) == (7, 5000, 300)


@pytest.mark.parametrize("secrets, match", [
    ({"max_epoch": 3}, "unknown limit 'max_epoch'"),
    ({"max_params": "lots"}, "must be a number"),
    ({"max_jobs": 0}, "must be positive"),
])
def test_bad_limits_are_refused_with_the_setting_named(clean_env, secrets, match):
    with pytest.raises(LimitsError, match=match):
        export_to_env(secrets)


def test_spec_check_uses_the_teachers_max_params(clean_env):
    from playground.spec import ModelSpec, SpecError, infer_shapes

    spec = ModelSpec.from_dict({"input_shape": [20], "layers": [{"type": "dense", "units": 64}]})
    infer_shapes(spec)  # 1,344 parameters: fine by default
    clean_env.setenv("PLAYGROUND_MAX_PARAMS", "1000")
    with pytest.raises(SpecError) as err:
        infer_shapes(spec)
    assert "1,344" in err.value.message("en") and "1,000" in err.value.message("en")


@pytest.mark.parametrize("cores, gpus, env, jobs, threads", [
    (2, 0, {}, 1, 1),            # this machine: one training, one thread, one core left for the server
    (16, 0, {}, 8, 1),
    (8, 0, {"PLAYGROUND_MAX_JOBS": "2"}, 2, 3),
    (8, 0, {"PLAYGROUND_JOB_THREADS": "4"}, 4, 4),
    (16, 2, {}, 2, 7),           # one job per GPU slot
    (16, 2, {"PLAYGROUND_JOBS_PER_GPU": "3"}, 6, 2),
])
def test_jobs_and_threads_follow_the_hardware(clean_env, cores, gpus, env, jobs, threads):
    clean_env.setattr(limits, "cpu_count", lambda: cores)
    clean_env.setattr(limits, "gpu_count", lambda: gpus)
    for k, v in env.items():
        clean_env.setenv(k, v)
    assert (limits.max_jobs(), limits.job_threads()) == (jobs, threads)
    if not env:  # the defaults never oversubscribe the CPU
        assert jobs * threads < cores or threads == 1


def test_cap_training_set_takes_a_seeded_subset_and_keeps_the_test_split():
    from playground.data import load_dataset
    from playground.limits import cap_training_set

    data = load_dataset("xor")
    same, cut = cap_training_set(data, None)
    assert same is data and not cut
    small, cut = cap_training_set(data, 50, seed=3)
    again, _ = cap_training_set(data, 50, seed=3)
    assert cut and len(small.x_train) == 50 and small.meta["capped_from"] == len(data.x_train)
    assert torch.equal(small.x_train, again.x_train) and small.x_test is data.x_test
    rows = {tuple(r.tolist()) for r in data.x_train}
    assert all(tuple(r.tolist()) in rows for r in small.x_train)
