"""Activation functions with their derivatives, softmax with a temperature, the perceptron, a small MLP.

``ACTIVATIONS`` is the registry the /activations page reads: for each function the closed-form f and
f′ (NumPy, written from the formulas) and the PyTorch function whose autograd derivative the tests
compare with the closed form (micrograd's habit: one engine is the other's oracle). Names follow
``playground.layers.ACTIVATIONS`` (relu, leaky_relu, elu, selu, gelu, silu, sigmoid, tanh); softplus
is extra. ``alpha`` is leaky ReLU's negative slope and ELU's scale for negative inputs.

Example::

    f, df = ACTIVATIONS["tanh"].f(x), ACTIVATIONS["tanh"].df(x)
    np.allclose(df, autograd_derivative("tanh", x))  # True
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.layers import ACTIVATION_NAMES
from playground.spec import ModelSpec

SATURATION = 0.05  # |f′| below this: the gradient that flows back is almost nothing
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow for large |x|


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[float])(x)


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal density φ(x)."""
    return np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def _Phi(x: np.ndarray) -> np.ndarray:
    """The standard normal cumulative distribution Φ(x)."""
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


@dataclass(frozen=True)
class ActivationFn:
    """One activation: closed forms ``f(x, alpha)`` and ``df(x, alpha)``, the PyTorch function ``torch_fn``
    (autograd differentiates it), its ``nn.Module`` and the code both frameworks write for it.

    ``uses_alpha``: leaky ReLU and ELU take ``alpha``; ``default_alpha`` is PyTorch's default.
    """

    key: str
    f: Callable[[np.ndarray, float], np.ndarray]
    df: Callable[[np.ndarray, float], np.ndarray]
    torch_fn: Callable[[torch.Tensor, float], torch.Tensor]
    module: Callable[[float], nn.Module]
    formula: str  # LaTeX of f
    dformula: str  # LaTeX of f′
    keras: str  # the Keras/TensorFlow name
    uses_alpha: bool = False
    default_alpha: float = 0.0


ACTIVATIONS: dict[str, ActivationFn] = {a.key: a for a in (
    ActivationFn(
        "sigmoid", lambda x, a: _sigmoid(x), lambda x, a: _sigmoid(x) * (1 - _sigmoid(x)),
        lambda x, a: torch.sigmoid(x), lambda a: nn.Sigmoid(),
        r"\sigma(x) = \frac{1}{1 + e^{-x}}", r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))", "sigmoid"),
    ActivationFn(
        "tanh", lambda x, a: np.tanh(x), lambda x, a: 1 - np.tanh(x) ** 2,
        lambda x, a: torch.tanh(x), lambda a: nn.Tanh(),
        r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}", r"\tanh'(x) = 1 - \tanh^2(x)", "tanh"),
    ActivationFn(
        "relu", lambda x, a: np.maximum(x, 0.0), lambda x, a: (x > 0).astype(float),
        lambda x, a: F.relu(x), lambda a: nn.ReLU(),
        r"\mathrm{ReLU}(x) = \max(0, x)", r"\mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        "relu"),
    ActivationFn(
        "leaky_relu", lambda x, a: np.where(x > 0, x, a * x), lambda x, a: np.where(x > 0, 1.0, a),
        lambda x, a: F.leaky_relu(x, a), lambda a: nn.LeakyReLU(a),
        r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
        r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}", "leaky_relu", True, 0.01),
    ActivationFn(
        "elu", lambda x, a: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))),
        lambda x, a: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0))),
        lambda x, a: F.elu(x, a), lambda a: nn.ELU(a),
        r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}", "elu", True, 1.0),
    ActivationFn(
        "selu", lambda x, a: SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        lambda x, a: SELU_LAMBDA * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0))),
        lambda x, a: F.selu(x), lambda a: nn.SELU(),
        r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},\ "
        r"\lambda \approx 1.0507,\ \alpha \approx 1.6733",
        r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}", "selu"),
    ActivationFn(
        "gelu", lambda x, a: x * _Phi(x), lambda x, a: _Phi(x) + x * _phi(x),
        lambda x, a: F.gelu(x), lambda a: nn.GELU(),
        r"\mathrm{GELU}(x) = x\,\Phi(x)", r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)", "gelu"),
    ActivationFn(
        "silu", lambda x, a: x * _sigmoid(x), lambda x, a: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
        lambda x, a: F.silu(x), lambda a: nn.SiLU(),
        r"\mathrm{SiLU}(x) = x\,\sigma(x)", r"\mathrm{SiLU}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))", "silu"),
    ActivationFn(
        "softplus", lambda x, a: np.logaddexp(0.0, x), lambda x, a: _sigmoid(x),
        lambda x, a: F.softplus(x), lambda a: nn.Softplus(),
        r"\mathrm{softplus}(x) = \ln(1 + e^{x})", r"\mathrm{softplus}'(x) = \sigma(x)", "softplus"),
)}


def alpha_of(name: str, alpha: float | None) -> float:
    """The alpha a function uses: the given one where it takes one, else its default (0 when unused)."""
    act = ACTIVATIONS[name]
    return float(alpha) if act.uses_alpha and alpha is not None else act.default_alpha


def evaluate(name: str, x: np.ndarray, alpha: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form f(x) and f′(x) of activation ``name`` on the points ``x``."""
    act, a = ACTIVATIONS[name], alpha_of(name, alpha)
    x = np.asarray(x, dtype=np.float64)
    return act.f(x, a), act.df(x, a)


def autograd_derivative(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """f′(x) computed by PyTorch's autograd (the oracle for the closed forms)."""
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    ACTIVATIONS[name].torch_fn(xt, alpha_of(name, alpha)).sum().backward()  # d(sum f(x_i))/dx_i = f'(x_i)
    return xt.grad.numpy()


def saturation_zones(x: np.ndarray, df: np.ndarray, threshold: float = SATURATION) -> list[tuple[float, float]]:
    """The intervals of the sorted grid ``x`` where |f′| < ``threshold``: (start, end) pairs."""
    low = np.abs(np.asarray(df)) < threshold
    zones, start = [], None
    for i, flag in enumerate(low):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(low) - 1):
            end = i if flag else i - 1
            zones.append((float(x[start]), float(x[end])))
            start = None
    return zones


def code_lines(name: str, alpha: float | None = None) -> tuple[str, str]:
    """How to apply the function in PyTorch and in Keras, as one line each."""
    act, a = ACTIVATIONS[name], alpha_of(name, alpha)
    torch_line = {"leaky_relu": f"torch.nn.functional.leaky_relu(x, negative_slope={a:g})",
                  "elu": f"torch.nn.functional.elu(x, alpha={a:g})"}.get(name, f"torch.nn.functional.{name}(x)")
    if name in ("sigmoid", "tanh"):
        torch_line = f"torch.{name}(x)"
    keras_line = {"leaky_relu": f"keras.layers.LeakyReLU(negative_slope={a:g})(x)",
                  "elu": f"keras.layers.ELU(alpha={a:g})(x)"}.get(name, f"keras.activations.{act.keras}(x)")
    return torch_line, keras_line


# ---------------------------------------------------------------- softmax and the perceptron


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / T): probabilities that sum to 1. Small T sharpens towards the largest z, large T flattens.

    Raises ValueError for T <= 0 or non-finite z.
    """
    z = np.asarray(z, dtype=np.float64)
    if not temperature > 0 or not math.isfinite(temperature):
        raise ValueError("temperature must be a positive number")
    if z.size == 0 or not np.isfinite(z).all():
        raise ValueError("softmax needs at least one finite number")
    s = z / temperature
    e = np.exp(s - s.max())  # subtracting the max changes nothing mathematically and avoids overflow
    return e / e.sum()


def entropy_bits(p: np.ndarray) -> float:
    """How spread out a distribution is, in bits (0: one certain class; log2(n): all equal)."""
    p = np.asarray(p, dtype=np.float64)
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


@dataclass(frozen=True)
class PerceptronOut:
    """w·x + b = z, then f(z): the products wᵢxᵢ, z, f(z) and f′(z)."""

    products: np.ndarray
    z: float
    out: float
    slope: float


def perceptron(x: np.ndarray, w: np.ndarray, b: float, name: str, alpha: float | None = None) -> PerceptronOut:
    """One artificial neuron: z = Σ wᵢxᵢ + b, output f(z) with activation ``name``."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape != w.shape:
        raise ValueError(f"{x.shape[0]} inputs but {w.shape[0]} weights")
    products = w * x
    z = float(products.sum() + b)
    f, df = evaluate(name, np.array([z]), alpha)
    return PerceptronOut(products, z, float(f[0]), float(df[0]))


# ---------------------------------------------------------------- a small MLP on the 2-D toys


def mlp_spec(hidden: tuple[int, ...], name: str) -> ModelSpec:
    """Dense layers (2 → hidden… → 2 logits) with activation ``name``, as a ModelSpec.

    Softplus is not in the layer registry: the spec then says relu and ``build_mlp`` puts Softplus in.
    """
    act = name if name in ACTIVATION_NAMES else "relu"
    layers = [{"type": "dense", "units": int(u), "activation": act} for u in hidden]
    return ModelSpec.from_dict({"input_shape": [2], "layers": [*layers, {"type": "dense", "units": 2,
                                                                          "activation": "linear"}]})


def build_mlp(hidden: tuple[int, ...], name: str, alpha: float | None = None, seed: int = 0):
    """The spec and a seeded PyTorch model whose hidden activations are exactly ``name`` with ``alpha``.

    The spec's builder gives the network its layers and names (dense1, dense1_act …); each hidden
    activation module is then replaced by this registry's module, so the α slider is the α trained with.
    """
    from playground.builders import build_torch

    spec = mlp_spec(hidden, name)
    torch.manual_seed(seed)
    model = build_torch(spec)
    a = alpha_of(name, alpha)
    for i in range(1, len(hidden) + 1):
        setattr(model, f"dense{i}_act", ACTIVATIONS[name].module(a))
    return spec, model


@torch.no_grad()
def pre_activations(model: nn.Module, x: torch.Tensor, layers: int) -> list[torch.Tensor]:
    """The pre-activation z = W·h + b of each of the first ``layers`` dense layers, each (N, units).

    Walks the layers by hand (no hooks): the page calls this while a background thread may be training
    the same model, and a hook would catch that thread's forward passes too.
    """
    found, h = [], x  # h: (N, features)
    for i in range(1, layers + 1):
        z = getattr(model, f"dense{i}")(h)  # (N, units)
        found.append(z)
        h = getattr(model, f"dense{i}_act")(z)
    return found


def dead_units(model: nn.Module, x: torch.Tensor, layers: int) -> list[tuple[int, int]]:
    """Per hidden layer: (units whose pre-activation is ≤ 0 for every sample of ``x``, units).

    For ReLU such a unit outputs 0 and gets no gradient on this data: it is dead and stays dead.
    """
    return [(int((z <= 0).all(dim=0).sum()), z.shape[1]) for z in pre_activations(model, x, layers)]
