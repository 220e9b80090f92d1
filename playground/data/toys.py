"""The 2-D toy problems of TensorFlow Playground: circle, xor, two gaussians and two spirals.

Points are made in TensorFlow Playground's square of about [-6, 6]² and divided by 6, so the
features lie roughly in [-1, 1] (no further standardisation: the decision-boundary plot uses
``meta["extent"]`` = (x0, x1, y0, y1) and the raw toy coordinates). ``noise`` (0 … 0.5) blurs the
classes: at 0 they are separable, at 0.5 they overlap a lot. Labels are 0/1, half of each.
"""
from __future__ import annotations

import math

import numpy as np

from playground.data import Dataset
from playground.data._common import check_float, check_int, check_seed, make_dataset

SCALE = 6.0  # TensorFlow Playground's half-width
TOYS = ("circle", "xor", "gaussians", "spiral")


def _circle(n0: int, n1: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside radius 2.5, class 0 on a ring 3.5 … 5; noise jitters every point."""
    def ring(n, r0, r1):
        r = np.sqrt(rng.uniform(r0**2, r1**2, n))  # uniform over the ring's area
        a = rng.uniform(0, 2 * math.pi, n)
        return np.stack([r * np.cos(a), r * np.sin(a)], 1)

    pts = np.concatenate([ring(n0, 3.5, 5.0), ring(n1, 0.0, 2.5)])
    pts += rng.normal(0.0, 1, pts.shape) * noise * 2.5
    return pts, np.repeat([0, 1], [n0, n1])


def _xor(n0: int, n1: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in [-5, 5]² kept 0.3 away from the axes; class 1 where x·y > 0 (1st and 3rd quadrants)."""
    def quadrants(n, same_sign):
        mag = rng.uniform(0.3, 5.0, (n, 2))
        sx = rng.choice([-1.0, 1.0], n)
        sy = sx if same_sign else -sx
        return mag * np.stack([sx, sy], 1)

    pts = np.concatenate([quadrants(n0, False), quadrants(n1, True)])
    pts += rng.normal(0.0, 1, pts.shape) * noise * 2.5
    return pts, np.repeat([0, 1], [n0, n1])


def _gaussians(n0: int, n1: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 around (-2, -2), class 1 around (2, 2); the spread grows with the noise (σ 0.7 … 2)."""
    sigma = 0.7 + 2.6 * noise
    pts = np.concatenate([rng.normal(-2.0, sigma, (n0, 2)), rng.normal(2.0, sigma, (n1, 2))])
    return pts, np.repeat([0, 1], [n0, n1])


def _spiral(n0: int, n1: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms of 1.75 turns out to radius 5, the second turned by half a turn."""
    def arm(n, delta):
        s = rng.uniform(0.0, 1.0, n)
        r = 5.0 * s
        a = 1.75 * 2 * math.pi * s + delta
        return np.stack([r * np.sin(a), r * np.cos(a)], 1)

    pts = np.concatenate([arm(n0, 0.0), arm(n1, math.pi)])
    pts += rng.normal(0.0, 1, pts.shape) * noise * 1.5
    return pts, np.repeat([0, 1], [n0, n1])


_MAKERS = {"circle": _circle, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral}


def make_toy(name: str, n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` shuffled points (features / 6) and 0/1 labels, half of each class (class 1 gets the odd one)."""
    x, y = _MAKERS[name](n // 2, n - n // 2, noise, rng)
    order = rng.permutation(n)
    return (x[order] / SCALE).astype(np.float32), y[order].astype(np.int64)


def load_toy(name: str, *, seed: int = 0, n_samples: int = 600, test_size: float = 1 / 3,
             noise: float = 0.0) -> Dataset:
    """Default 400 train / 200 test points; train and test come from the same distribution."""
    seed = check_seed(name, seed)
    n_samples = check_int(name, "n_samples", n_samples, 20, 200_000)
    test_size = check_float(name, "test_size", test_size, 0.05, 0.5)
    noise = check_float(name, "noise", noise, 0.0, 0.5)
    n_test = int(round(n_samples * test_size))
    rng = np.random.default_rng(seed)
    x_tr, y_tr = make_toy(name, n_samples - n_test, noise, rng)
    x_te, y_te = make_toy(name, n_test, noise, rng)
    half = max(1.0, math.ceil(float(np.abs(np.concatenate([x_tr, x_te])).max()) * 10) / 10)
    return make_dataset(x_tr, y_tr, x_te, y_te, name=name, source="source.synthetic", classes=["0", "1"],
                        task="classification", extent=(-half, half, -half, half), noise=noise)
