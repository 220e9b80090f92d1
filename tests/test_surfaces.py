"""Loss surfaces and real torch.optim optimizers walking on them."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from playground.i18n import t
from playground.surfaces import LR_PRESETS, OPTIMIZERS, SURFACES, SurfaceError, preset_lr, run_path, surface_grid
from playground.viz.optimizers import plot_losses, plot_paths


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer_reaches_the_bottom_of_the_bowl(optimizer):
    path = run_path("bowl", optimizer)
    assert path.diverged_at is None
    assert path.distance_to_minimum < 0.01
    assert path.losses[-1] < 1e-3 < path.losses[0]
    assert path.points.shape == (SURFACES["bowl"].steps + 1, 2)
    assert len(path.losses) == len(path.points)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_minima_are_minima(surface):
    """Every listed minimum has zero gradient and is no higher than its neighbourhood."""
    s = SURFACES[surface]
    for mx, my in s.minima:
        p = torch.tensor([mx, my], dtype=torch.float64, requires_grad=True)
        value = s.f(p[0], p[1])
        value.backward()
        assert p.grad.abs().max() < 1e-4
        ring = [(mx + 0.05 * math.cos(a), my + 0.05 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 8)]
        assert all(float(s.f(torch.tensor(x), torch.tensor(y))) > float(value.detach()) for x, y in ring)
        assert s.x_range[0] < mx < s.x_range[1] and s.y_range[0] < my < s.y_range[1]


def test_the_step_is_what_torch_optim_says():
    """One SGD step on the bowl from (a, b) with lr η lands on (a, b) − η·(2a, 2b)."""
    path = run_path("bowl", "sgd", lr=0.1, steps=1, start=(2.0, -1.0))
    np.testing.assert_allclose(path.points[1], [2.0 - 0.1 * 4.0, -1.0 + 0.1 * 2.0])
    assert path.losses[0] == pytest.approx(5.0)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_presets_do_what_they_say(surface):
    """Good reaches a minimum (or gets well on its way), too low barely moves, too high misbehaves."""
    s = SURFACES[surface]
    start = np.asarray(s.start)
    for optimizer in OPTIMIZERS:
        good = run_path(surface, optimizer, preset_lr(surface, optimizer, "good"))
        low = run_path(surface, optimizer, preset_lr(surface, optimizer, "low"))
        high = run_path(surface, optimizer, preset_lr(surface, optimizer, "high"))
        assert good.diverged_at is None and good.losses[-1] < good.losses[0]
        assert low.diverged_at is None
        assert np.linalg.norm(low.points[-1] - start) < np.linalg.norm(good.points[-1] - start)
        jumps = np.linalg.norm(np.diff(high.points, axis=0), axis=1).max()
        good_jumps = np.linalg.norm(np.diff(good.points, axis=0), axis=1).max()
        assert high.diverged_at is not None or jumps > good_jumps


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
def test_too_high_a_rate_diverges_and_is_flagged(optimizer):
    path = run_path("bowl", optimizer, preset_lr("bowl", optimizer, "high"))
    assert path.diverged_at is not None
    assert len(path.points) == path.diverged_at + 1  # drawn up to the step that left the plot
    assert np.isfinite(path.points).all()
    assert np.abs(path.points[-1]).max() > 5  # outside the plot range


def test_non_finite_values_stop_the_path():
    path = run_path("himmelblau", "sgd", lr=10.0, steps=50)
    assert path.diverged_at is not None and path.diverged_at <= 5
    assert np.isfinite(path.points).all()


@pytest.mark.parametrize("kwargs,key", [
    ({"surface": "nope", "optimizer": "sgd"}, "optimizers.error.surface"),
    ({"surface": "bowl", "optimizer": "lbfgs"}, "optimizers.error.optimizer"),
    ({"surface": "bowl", "optimizer": "sgd", "lr": -1.0}, "optimizers.error.lr"),
    ({"surface": "bowl", "optimizer": "sgd", "lr": float("nan")}, "optimizers.error.lr"),
    ({"surface": "bowl", "optimizer": "sgd", "steps": 0}, "optimizers.error.steps"),
    ({"surface": "bowl", "optimizer": "sgd", "start": (float("inf"), 0.0)}, "optimizers.error.start"),
])
def test_impossible_settings_are_refused_with_a_message(kwargs, key):
    with pytest.raises(SurfaceError) as info:
        run_path(**kwargs)
    assert info.value.key == key
    for lang in ("en", "es"):
        assert info.value.message(lang) != key and "{" not in info.value.message(lang)


def test_presets_cover_every_optimizer_and_low_is_a_hundredth():
    for surface in SURFACES:
        for optimizer in OPTIMIZERS:
            rates = [preset_lr(surface, optimizer, p) for p in LR_PRESETS]
            assert rates[2] == pytest.approx(rates[0] / 100) and rates[1] > rates[0]


def test_figures_show_paths_minima_and_frames():
    x, y, z = surface_grid("rosenbrock", 40)
    assert z.shape == (40, 40) and z[0, 0] == pytest.approx((1 - x[0]) ** 2 + 100 * (y[0] - x[0] ** 2) ** 2)
    paths = [run_path("rosenbrock", o) for o in ("sgd", "adam")]
    shown = [{"key": p.optimizer, "name": p.optimizer, "points": p.points, "losses": p.losses} for p in paths]
    labels = dict(title="T", minimum="min", start="start", saddle="s", step="step", play="play", pause="pause",
                  contour="c")
    fig = plot_paths(x, y, z, shown, [(1.0, 1.0)], labels, log=True, frames=20)
    names = [tr.name for tr in fig.data]
    assert "sgd" in names and "adam" in names and "min" in names
    assert len(fig.frames) == 20 and fig.layout.sliders[0].active == 19
    first = fig.frames[0].data[0]
    assert len(first.x) == 1  # step 0: only the start point is revealed
    assert np.nanmax(fig.data[0].z) < 5  # log10(1 + f) contours
    loss = plot_losses(shown, 0.0, {"title": "L", "step": "s", "loss": "l"})
    assert loss.layout.yaxis.type == "log" and len(loss.data) == 2


def test_error_keys_exist_in_both_languages():
    for key in ("optimizers.error.surface", "optimizers.error.lr", "optimizers.status.diverged"):
        assert t(key, "en") != key and t(key, "es") != key
