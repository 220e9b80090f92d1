"""Loss surfaces of two parameters, and real ``torch.optim`` optimizers walking on them.

``SURFACES`` holds the functions f(x, y) (written with torch operations, so autograd gives the gradient
and the same code draws the contour grid), their minima, a plot range and a start point.
``OPTIMIZERS`` maps a name to a ``torch.optim`` constructor with its default hyperparameters.
``run_path`` puts the two parameters in one tensor, lets the optimizer take ``steps`` steps and returns
every point visited, stopping (and saying so) when the loss stops being a number or the point runs
far outside the plot.

    >>> path = run_path("bowl", "adam", lr=0.1, steps=300)
    >>> path.points.shape, path.diverged_at
    ((301, 2), None)
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass(frozen=True)
class Surface:
    """A loss surface: ``f`` takes two tensors of any (equal) shape and returns f elementwise.

    ``lr`` is the learning rate that works well for each optimizer here (the "good" preset), ``high`` one that
    is too high (it diverges, or for Adam-like optimizers keeps jumping about); too low is ``lr / 100``.
    """

    key: str
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    minima: tuple[tuple[float, float], ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    lr: dict[str, float]
    high: dict[str, float]
    steps: int = 150
    log_contours: bool = False  # steep walls and a flat floor (Rosenbrock): contours of log(1 + f)
    saddle: tuple[float, float] | None = None  # where a saddle point is (marked on the plot)


def _bowl(x, y):
    return x ** 2 + y ** 2


def _valley(x, y):
    return 0.05 * x ** 2 + 2.0 * y ** 2  # 40 times steeper across than along: SGD zigzags


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _saddle(x, y):
    # x^2 - y^2 would run off to -infinity; the quartic term gives two real minima at y = ±1/sqrt(2)
    return x ** 2 - y ** 2 + y ** 4


def _himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def _rates(sgd, momentum, nesterov, rmsprop, adam, adamw) -> dict[str, float]:
    return {"sgd": sgd, "momentum": momentum, "nesterov": nesterov, "rmsprop": rmsprop, "adam": adam, "adamw": adamw}


# Learning rates measured with grids over 1e-5..10 (see tests/test_surfaces.py): "good" reaches the
# minimum within the steps, "high" diverges or keeps jumping around it, "low" (good / 100) barely moves.
SURFACES: dict[str, Surface] = {s.key: s for s in (
    Surface("bowl", _bowl, ((0.0, 0.0),), (-5.0, 5.0), (-5.0, 5.0), (-4.0, 3.5),
            lr=_rates(0.1, 0.05, 0.05, 0.05, 0.2, 0.2), high=_rates(1.05, 2.0, 2.0, 10.0, 5.0, 5.0), steps=150),
    Surface("valley", _valley, ((0.0, 0.0),), (-6.0, 6.0), (-3.0, 3.0), (-5.5, 2.0),
            lr=_rates(0.4, 0.05, 0.05, 0.05, 0.2, 0.2), high=_rates(0.55, 1.0, 1.0, 10.0, 5.0, 5.0), steps=150),
    Surface("rosenbrock", _rosenbrock, ((1.0, 1.0),), (-2.0, 2.0), (-1.0, 3.0), (-1.2, 1.0),
            lr=_rates(0.002, 0.001, 0.001, 0.03, 0.3, 0.3), high=_rates(0.01, 0.005, 0.003, 3.0, 3.0, 3.0),
            steps=500, log_contours=True),
    Surface("saddle", _saddle, ((0.0, 1 / math.sqrt(2)), (0.0, -1 / math.sqrt(2))), (-2.0, 2.0), (-1.5, 1.5),
            (-1.8, 0.001), lr=_rates(0.05, 0.02, 0.02, 0.02, 0.05, 0.05),
            high=_rates(1.2, 1.0, 1.0, 3.0, 10.0, 10.0), steps=200, saddle=(0.0, 0.0)),
    Surface("himmelblau", _himmelblau,
            ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            (-6.0, 6.0), (-6.0, 6.0), (-0.5, -0.5), lr=_rates(0.01, 0.002, 0.002, 0.05, 0.2, 0.2),
            high=_rates(0.05, 0.03, 0.03, 3.0, 10.0, 10.0), steps=200, log_contours=True),
)}


@dataclass(frozen=True)
class OptimizerInfo:
    """A ``torch.optim`` class and the keyword arguments that make it this optimizer."""

    key: str
    cls: type
    kwargs: dict = field(default_factory=dict)

    def build(self, params, lr: float) -> torch.optim.Optimizer:
        return self.cls(params, lr=lr, **self.kwargs)


OPTIMIZERS: dict[str, OptimizerInfo] = {o.key: o for o in (
    OptimizerInfo("sgd", torch.optim.SGD),
    OptimizerInfo("momentum", torch.optim.SGD, {"momentum": 0.9}),
    OptimizerInfo("nesterov", torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    OptimizerInfo("rmsprop", torch.optim.RMSprop, {"alpha": 0.99}),
    OptimizerInfo("adam", torch.optim.Adam, {"betas": (0.9, 0.999)}),
    OptimizerInfo("adamw", torch.optim.AdamW, {"betas": (0.9, 0.999), "weight_decay": 0.01}),
)}

LR_PRESETS = ("good", "high", "low")
ESCAPE = 10.0  # a point this many plot widths away from the plot's centre has left for good
MAX_STEPS = 2000


class SurfaceError(ValueError):
    """Impossible settings for a path; ``key`` and ``kwargs`` form the message in the user's language."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(f"{key} {kwargs}")

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


@dataclass(frozen=True)
class Path:
    """Where an optimizer went: ``points`` (k+1, 2) from the start, ``losses`` (k+1,).

    ``diverged_at`` is the step at which the loss stopped being finite or the point ran off (the points
    stop there), or None. ``lr`` is the learning rate it used.
    """

    surface: str
    optimizer: str
    lr: float
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None

    @property
    def distance_to_minimum(self) -> float:
        """Distance from the last point to the nearest minimum of the surface."""
        minima = np.asarray(SURFACES[self.surface].minima)
        return float(np.min(np.linalg.norm(minima - self.points[-1], axis=1)))


def preset_lr(surface: str, optimizer: str, preset: str = "good") -> float:
    """The learning rate of a preset (good, high or low) for ``optimizer`` on ``surface``."""
    s = SURFACES[surface]
    if preset == "high":
        return s.high[optimizer]
    return s.lr[optimizer] / (100.0 if preset == "low" else 1.0)


def _check(surface: str, optimizer: str, lr: float, steps: int, start) -> None:
    if surface not in SURFACES:
        raise SurfaceError("optimizers.error.surface", name=surface, known=", ".join(SURFACES))
    if optimizer not in OPTIMIZERS:
        raise SurfaceError("optimizers.error.optimizer", name=optimizer, known=", ".join(OPTIMIZERS))
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise SurfaceError("optimizers.error.lr", lr=lr)
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise SurfaceError("optimizers.error.steps", steps=steps, max=MAX_STEPS)
    if start is not None and (len(start) != 2 or not all(math.isfinite(float(v)) for v in start)):
        raise SurfaceError("optimizers.error.start", start=start)


def run_path(surface: str, optimizer: str, lr: float | None = None, steps: int | None = None,
             start: tuple[float, float] | None = None) -> Path:
    """Let ``torch.optim`` optimizer ``optimizer`` minimise surface ``surface`` from ``start``.

    Args:
        lr: learning rate (default: the surface's good one for this optimizer).
        steps: how many optimizer steps (default: the surface's).
        start: (x, y) to start from (default: the surface's start point).
    Returns:
        a :class:`Path`; raises :class:`SurfaceError` for impossible settings.
    """
    s = SURFACES.get(surface)
    lr = s.lr.get(optimizer, 0.01) if s is not None and lr is None else lr  # unknown names: refused below
    steps = s.steps if s is not None and steps is None else steps
    _check(surface, optimizer, lr, steps, start)
    start = s.start if start is None else (float(start[0]), float(start[1]))
    # float64: the paths are short and cheap, and Rosenbrock's long flat floor needs the precision
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)  # (2,)
    opt = OPTIMIZERS[optimizer].build([p], lr)
    cx, cy = sum(s.x_range) / 2, sum(s.y_range) / 2
    reach = ESCAPE * max(s.x_range[1] - s.x_range[0], s.y_range[1] - s.y_range[0])
    points, losses, diverged = [start], [], None
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = s.f(p[0], p[1])  # ()
        losses.append(float(loss.detach()))
        loss.backward()
        opt.step()
        x, y = (float(v) for v in p.detach())
        if not (math.isfinite(x) and math.isfinite(y)):
            diverged = step
            break
        points.append((x, y))
        if math.hypot(x - cx, y - cy) > reach:  # kept: the line is drawn leaving the plot
            diverged = step
            break
    last = points[-1]
    final = float(s.f(torch.tensor(last[0], dtype=torch.float64), torch.tensor(last[1], dtype=torch.float64)))
    losses = losses[:len(points) - 1] + [final]
    if diverged is None and not math.isfinite(final):
        diverged = len(points) - 1
    return Path(surface, optimizer, float(lr), np.asarray(points, dtype=np.float64),
                np.asarray(losses, dtype=np.float64), diverged)


def surface_grid(surface: str, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (n,), y (n,) and z (n, n) = f on the plot range (z[i, j] = f(x[j], y[i])), for contour plots."""
    s = SURFACES[surface]
    xs = torch.linspace(*s.x_range, n, dtype=torch.float64)
    ys = torch.linspace(*s.y_range, n, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # (n, n) each
    return xs.numpy(), ys.numpy(), s.f(gx, gy).numpy()
