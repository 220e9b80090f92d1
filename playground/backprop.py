"""Backpropagation by hand on a tiny 2-2-1 network, checked against autograd.

The network, for one example (x1, x2) with target y::

    z_j  = w_j1 x1 + w_j2 x2 + b_j          j = 1, 2   (hidden pre-activations)
    h_j  = act(z_j)                                    (hidden activations: sigmoid, tanh or relu)
    ŷ    = v_1 h_1 + v_2 h_2 + c                       (linear output)
    L    = ½ (ŷ − y)²                                  (squared error)

The backward pass is the chain rule, one local derivative per edge, from the loss back to the inputs.
``forward`` and ``backward`` do it with plain floats (the lesson); ``autograd_gradients`` asks PyTorch
for the same numbers (the oracle, as micrograd's tests do).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

ACTIVATIONS = ("sigmoid", "tanh", "relu")
PARAM_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")  # w_jk: input k -> hidden j


class BackpropError(ValueError):
    """Settings the network cannot use; ``message(lang)`` says what to change."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(f"{key} {kwargs}")

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


def act(name: str, z: float) -> float:
    """The hidden activation."""
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    return max(z, 0.0)


def act_derivative(name: str, z: float) -> float:
    """d act / d z at z: σ(1 − σ), 1 − tanh², or 1 where z > 0 (0 at z = 0, as PyTorch)."""
    if name == "sigmoid":
        s = act("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    return 1.0 if z > 0 else 0.0


def random_params(seed: int = 0, scale: float = 1.0) -> dict[str, float]:
    """The nine parameters drawn uniformly from [-scale, scale], rounded to 2 decimals (easy to follow)."""
    rng = random.Random(seed)
    return {name: round(rng.uniform(-scale, scale), 2) for name in PARAM_NAMES}


def _check(params: dict, x: tuple[float, float], y: float, activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise BackpropError("optimizers.bp.error.activation", name=activation, known=", ".join(ACTIVATIONS))
    missing = [n for n in PARAM_NAMES if n not in params]
    if missing:
        raise BackpropError("optimizers.bp.error.params", names=", ".join(missing))
    values = [*(params[n] for n in PARAM_NAMES), *x, y]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) and abs(v) <= 1e3 for v in values):
        raise BackpropError("optimizers.bp.error.value")


@dataclass(frozen=True)
class Forward:
    """Every value of the forward pass."""

    x: tuple[float, float]
    y: float
    z: tuple[float, float]
    h: tuple[float, float]
    y_hat: float
    loss: float


def forward(params: dict[str, float], x: tuple[float, float], y: float, activation: str = "sigmoid") -> Forward:
    """Run the network on one example; raises BackpropError for impossible settings."""
    _check(params, x, y, activation)
    p = params
    z = (p["w11"] * x[0] + p["w12"] * x[1] + p["b1"], p["w21"] * x[0] + p["w22"] * x[1] + p["b2"])
    h = (act(activation, z[0]), act(activation, z[1]))
    y_hat = p["v1"] * h[0] + p["v2"] * h[1] + p["c"]
    return Forward(tuple(x), y, z, h, y_hat, 0.5 * (y_hat - y) ** 2)


def backward(params: dict[str, float], fwd: Forward, activation: str = "sigmoid") -> dict[str, float]:
    """The chain rule, from the loss back: ∂L/∂ of every parameter, hidden value and input.

    Keys: the nine parameter names, and ``y_hat``, ``h1``, ``h2``, ``z1``, ``z2``, ``x1``, ``x2``.
    """
    p = params
    g: dict[str, float] = {"y_hat": fwd.y_hat - fwd.y}  # dL/dŷ of ½(ŷ − y)²
    g["c"] = g["y_hat"]  # ∂ŷ/∂c = 1
    for j in (1, 2):
        g[f"v{j}"] = g["y_hat"] * fwd.h[j - 1]  # ∂ŷ/∂v_j = h_j
        g[f"h{j}"] = g["y_hat"] * p[f"v{j}"]  # ∂ŷ/∂h_j = v_j
        g[f"z{j}"] = g[f"h{j}"] * act_derivative(activation, fwd.z[j - 1])  # ∂h_j/∂z_j = act'(z_j)
        g[f"b{j}"] = g[f"z{j}"]  # ∂z_j/∂b_j = 1
        for k in (1, 2):
            g[f"w{j}{k}"] = g[f"z{j}"] * fwd.x[k - 1]  # ∂z_j/∂w_jk = x_k
    for k in (1, 2):
        g[f"x{k}"] = sum(g[f"z{j}"] * p[f"w{j}{k}"] for j in (1, 2))  # both hidden units use x_k
    return g


def autograd_gradients(params: dict[str, float], x: tuple[float, float], y: float,
                       activation: str = "sigmoid") -> dict[str, float]:
    """The same gradients from PyTorch's autograd (float64), keyed as :func:`backward`'s."""
    import torch

    _check(params, x, y, activation)
    t = {n: torch.tensor(float(params[n]), dtype=torch.float64, requires_grad=True) for n in PARAM_NAMES}
    xs = torch.tensor([float(v) for v in x], dtype=torch.float64, requires_grad=True)  # (2,)
    W = torch.stack([torch.stack([t["w11"], t["w12"]]), torch.stack([t["w21"], t["w22"]])])  # (2, 2)
    b = torch.stack([t["b1"], t["b2"]])  # (2,)
    v = torch.stack([t["v1"], t["v2"]])  # (2,)
    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    z = W @ xs + b  # (2,)
    z.retain_grad()
    h = fn(z)  # (2,)
    h.retain_grad()
    y_hat = v @ h + t["c"]  # ()
    y_hat.retain_grad()
    loss = 0.5 * (y_hat - y) ** 2
    loss.backward()
    out = {n: float(t[n].grad) for n in PARAM_NAMES}
    out.update(y_hat=float(y_hat.grad), h1=float(h.grad[0]), h2=float(h.grad[1]), z1=float(z.grad[0]),
               z2=float(z.grad[1]), x1=float(xs.grad[0]), x2=float(xs.grad[1]))
    return out


def sgd_step(params: dict[str, float], grads: dict[str, float], lr: float) -> dict[str, float]:
    """w ← w − lr · ∂L/∂w for the nine parameters."""
    return {n: params[n] - lr * grads[n] for n in PARAM_NAMES}


@dataclass(frozen=True)
class GradientRow:
    """One line of the comparison table: ``rule`` is the chain rule written with this example's numbers."""

    name: str
    rule: str
    hand: float
    autograd: float

    @property
    def matches(self) -> bool:
        return math.isclose(self.hand, self.autograd, rel_tol=1e-9, abs_tol=1e-12)


def gradient_table(params: dict[str, float], x: tuple[float, float], y: float,
                   activation: str = "sigmoid") -> list[GradientRow]:
    """Every gradient, by hand (with the chain rule spelled out) and by autograd, from the loss back."""
    fwd = forward(params, x, y, activation)
    g = backward(params, fwd, activation)
    auto = autograd_gradients(params, x, y, activation)
    d = {j: act_derivative(activation, fwd.z[j - 1]) for j in (1, 2)}
    rules = {"y_hat": f"ŷ − y = {fwd.y_hat:.4g} − {fwd.y:.4g}", "c": "∂L/∂ŷ · 1"}
    for j in (1, 2):
        rules[f"v{j}"] = f"∂L/∂ŷ · h{j} = {g['y_hat']:.4g} · {fwd.h[j - 1]:.4g}"
        rules[f"h{j}"] = f"∂L/∂ŷ · v{j} = {g['y_hat']:.4g} · {params[f'v{j}']:.4g}"
        rules[f"z{j}"] = f"∂L/∂h{j} · act′(z{j}) = {g[f'h{j}']:.4g} · {d[j]:.4g}"
        rules[f"b{j}"] = f"∂L/∂z{j} · 1"
        for k in (1, 2):
            rules[f"w{j}{k}"] = f"∂L/∂z{j} · x{k} = {g[f'z{j}']:.4g} · {fwd.x[k - 1]:.4g}"
    for k in (1, 2):
        rules[f"x{k}"] = f"∂L/∂z1 · w1{k} + ∂L/∂z2 · w2{k}"
    order = ("y_hat", "c", "v1", "v2", "h1", "h2", "z1", "z2", "b1", "b2", "w11", "w12", "w21", "w22", "x1", "x2")
    return [GradientRow(n, rules[n], g[n], auto[n]) for n in order]
