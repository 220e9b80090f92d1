"""Time series for recurrent networks: synthetic series, sliding windows, a naive baseline, forecasts.

The lesson of the /rnn page's first tab: cut a series into windows of ``window`` past values, train
a simple RNN, an LSTM and a GRU to predict the next value, and compare each with the naive forecast
"tomorrow equals today" (the last value of the window). The multi-step forecast feeds each
prediction back as the newest input, ``horizon`` times, so its errors add up.

The split is chronological (the test part is the END of the series, never shuffled into training),
and values are standardised with the training part's mean and std only.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.data import Dataset, DatasetError

SERIES_KINDS: tuple[str, ...] = ("sine", "sines", "trend", "csv")
MODEL_KINDS: tuple[str, ...] = ("rnn", "lstm", "gru")
_MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
DIVERGENCE_FACTOR = 1000.0
CSV_MAX_BYTES = 2 * 2**20
CSV_MIN_ROWS = 60
CSV_MAX_ROWS = 20_000


class SeriesError(ValueError):
    """Settings that cannot work (window longer than the data ...); ``key``/``kwargs`` name the message."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


# ---------------------------------------------------------------- series


def make_series(kind: str, n: int = 300, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A seeded synthetic series (n,) float32.

    ``sine``: one sine of period 25 plus Gaussian noise; ``sines``: three sines (periods 25, 9 and
    60); ``trend``: a straight rise plus a yearly-like season of period 20.
    """
    if kind not in SERIES_KINDS[:-1]:
        raise SeriesError("rnn.series.unknown", kind=kind, kinds=", ".join(SERIES_KINDS[:-1]))
    t = np.arange(n, dtype=np.float64)  # (n,)
    if kind == "sine":
        clean = np.sin(2 * np.pi * t / 25)
    elif kind == "sines":
        clean = np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 9 + 1.0) + 0.4 * np.sin(2 * np.pi * t / 60)
    else:
        clean = 0.012 * t + 0.8 * np.sin(2 * np.pi * t / 20)
    rng = np.random.default_rng(seed)
    return (clean + noise * rng.standard_normal(n)).astype(np.float32)


def csv_column(data, column: str | None = None, *, max_bytes: int = CSV_MAX_BYTES) -> tuple[np.ndarray, str, list[str]]:
    """One numeric column of an uploaded CSV file, in file order: (values, column, numeric columns).

    ``column`` defaults to the first numeric column. Rows with an empty value in that column are
    dropped. Every problem is a DatasetError whose message says what to change (too big, not text,
    no numeric column, fewer than ``CSV_MIN_ROWS`` values ...).
    """
    from playground.data.csv_upload import _as_bytes, _decode, _is_number, _mb, _numeric, _read

    raw = _as_bytes(data)
    if len(raw) > max_bytes:
        raise DatasetError("csv.too_big", size=_mb(len(raw)), max=_mb(max_bytes))
    if not raw.strip():
        raise DatasetError("csv.empty")
    text = _decode(raw)
    df = _read(text, CSV_MAX_ROWS)
    if len(df.columns) == 1 and _is_number(df.columns[0]):  # a single column without a header row
        df = _read("value\n" + text, CSV_MAX_ROWS)
    if len(df) > CSV_MAX_ROWS:
        raise DatasetError("csv.too_many_rows", max=CSV_MAX_ROWS)
    numeric = {}
    for name in df.columns:
        values = _numeric(df[name])
        if values is not None and values.notna().any():
            numeric[name] = values
    if not numeric:
        raise DatasetError("rnn.csv.no_numeric", columns=", ".join(map(str, df.columns[:10])))
    if column is None:
        column = next(iter(numeric))
    if column not in numeric:
        raise DatasetError("rnn.csv.bad_column", column=column, columns=", ".join(numeric))
    values = numeric[column].to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < CSV_MIN_ROWS:
        raise DatasetError("rnn.csv.too_short", column=column, n=len(values), min=CSV_MIN_ROWS)
    if float(values.std()) < 1e-12:
        raise DatasetError("rnn.csv.constant", column=column)
    return values.astype(np.float32), column, list(numeric)


# ---------------------------------------------------------------- windows and baseline


def make_windows(values: np.ndarray, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sliding windows: x (N, window, 1) of past values and y (N,) the value right after each window.

    >>> x, y = make_windows(np.arange(5.0), 3)
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [3.0, 4.0])
    """
    values = torch.as_tensor(np.asarray(values, dtype=np.float32))  # (n,)
    if window < 1 or len(values) <= window:
        raise SeriesError("rnn.series.window_too_long", window=window, n=len(values))
    x = values.unfold(0, window, 1)[:-1]  # (N, window)
    return x.unsqueeze(-1).contiguous(), values[window:].clone()  # (N, window, 1), (N,)


def last_value(x: torch.Tensor) -> torch.Tensor:
    """The naive forecast: the next value equals the last one seen. x (N, T, 1) -> (N,)."""
    return x[:, -1, 0]


def split_point(n: int, test_share: float) -> int:
    """Index where the test part (the end of the series) starts."""
    return n - max(1, int(round(n * test_share)))


def load_sequence(*, n_samples: int = 600, window: int = 20, noise: float = 0.1, seed: int = 0,
                  test_size: float = 0.2) -> Dataset:
    """The ``sequence`` dataset of the Build page: windows of the noisy sine -> its next value.

    x (N, window, 1) float32, y (N,) float32 (regression). The split is chronological.
    """
    from playground.data._common import check_float, check_int, check_seed, make_dataset

    n = check_int("sequence", "n_samples", n_samples, 50, 100_000)
    window = check_int("sequence", "window", window, 2, 200)
    noise = check_float("sequence", "noise", noise, 0.0, 2.0)
    seed = check_seed("sequence", seed)
    test_size = check_float("sequence", "test_size", test_size, 0.05, 0.5)
    x, y = make_windows(make_series("sine", n + window, noise, seed), window)
    cut = split_point(len(x), test_size)
    return make_dataset(x[:cut].numpy(), y[:cut].numpy(), x[cut:].numpy(), y[cut:].numpy(), name="sequence",
                        source="source.synthetic", classes=[], task="regression", window=window, noise=noise)


# ---------------------------------------------------------------- models


class Forecaster(nn.Module):
    """A recurrent layer reading the window, then a linear head on the last hidden state.

    ``kind``: rnn (tanh), lstm or gru. Input (B, T, 1), output (B,): the next value.
    """

    def __init__(self, kind: str = "lstm", hidden: int = 32):
        super().__init__()
        self.kind = kind
        self.rnn = _MODULES[kind](1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, 1)
        out, _ = self.rnn(x)  # (B, T, H)
        return self.head(out[:, -1]).squeeze(-1)  # (B,)


@torch.no_grad()
def forecast(model: nn.Module | None, history: np.ndarray, steps: int) -> np.ndarray:
    """Forecast ``steps`` values after ``history`` (window,), feeding each prediction back as input.

    ``model=None`` gives the naive forecast: the last value, repeated.
    """
    history = np.asarray(history, dtype=np.float32)
    if model is None:
        return np.full(steps, history[-1], dtype=np.float32)
    model.eval()
    window = torch.as_tensor(history).reshape(1, -1, 1).clone()  # (1, T, 1)
    out = np.empty(steps, dtype=np.float32)
    for k in range(steps):
        nxt = model(window)  # (1,)
        out[k] = float(nxt[0])
        window = torch.cat([window[:, 1:], nxt.reshape(1, 1, 1)], dim=1)  # drop the oldest, append the guess
    return out


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class SeriesConfig:
    """One comparison run: the same windows train every model in ``kinds``, one after the other."""

    window: int = 20
    horizon: int = 25
    hidden: int = 32
    epochs: int = 30
    batch_size: int = 32
    lr: float = 0.01
    test_share: float = 0.25
    seed: int = 0
    kinds: tuple[str, ...] = MODEL_KINDS
    threads: int | None = None


@dataclass(frozen=True)
class SeriesEpoch:
    """One epoch of one model: ``done`` is the share of the whole run finished, in [0, 1]."""

    kind: str
    epoch: int
    epochs: int
    loss: float
    val_loss: float
    done: float


@dataclass
class ForecastResult:
    """Everything the page draws, in the series' own units (not standardised).

    ``one_step[kind]``: the prediction of every test value from the true window before it;
    ``multi[kind]``: the fed-back forecast of the first ``horizon`` test values; ``mse[kind]`` =
    (one-step MSE, multi-step MSE); the key ``naive`` holds the last-value baseline everywhere.
    """

    values: np.ndarray
    cut: int
    config: SeriesConfig
    models: dict[str, nn.Module] = field(default_factory=dict)
    losses: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    one_step: dict[str, np.ndarray] = field(default_factory=dict)
    multi: dict[str, np.ndarray] = field(default_factory=dict)
    mse: dict[str, tuple[float, float]] = field(default_factory=dict)
    diverged: dict[str, int] = field(default_factory=dict)  # kind -> epoch where the loss blew up
    mean: float = 0.0
    std: float = 1.0
    reason: str = "finished"

    def standardise(self, values: np.ndarray) -> np.ndarray:
        return ((np.asarray(values, dtype=np.float32) - self.mean) / self.std).astype(np.float32)


@dataclass(frozen=True)
class SeriesDone:
    result: ForecastResult


def check_config(n: int, config: SeriesConfig) -> None:
    """Refuse settings that leave too few windows to train on or too short a test part."""
    if any(k not in MODEL_KINDS for k in config.kinds) or not config.kinds:
        raise SeriesError("rnn.series.bad_kinds", kinds=", ".join(MODEL_KINDS))
    if not (math.isfinite(config.lr) and config.lr > 0):
        raise SeriesError("rnn.series.bad_lr", lr=config.lr)
    cut = split_point(n, config.test_share)
    if config.window < 2 or cut - config.window < 10:
        raise SeriesError("rnn.series.window_too_long", window=config.window, n=cut)
    if config.horizon < 1 or config.horizon > n - cut:
        raise SeriesError("rnn.series.horizon_too_long", horizon=config.horizon, n=n - cut)


def _evaluate(result: ForecastResult, kind: str | None, model: nn.Module | None) -> None:
    values, cut, cfg = result.values, result.cut, result.config
    z = result.standardise(values)
    x_all, _ = make_windows(z, cfg.window)  # window i predicts value i + window
    x_test = x_all[cut - cfg.window:]  # windows whose target lies in the test part
    with torch.no_grad():
        pred_z = last_value(x_test) if model is None else model.eval()(x_test)  # (n - cut,)
    one = pred_z.numpy() * result.std + result.mean
    multi_z = forecast(model, z[cut - cfg.window:cut], cfg.horizon)
    multi = multi_z * result.std + result.mean
    true = values[cut:]
    name = kind or "naive"
    result.one_step[name] = one.astype(np.float32)
    result.multi[name] = multi.astype(np.float32)
    result.mse[name] = (float(np.mean((one - true) ** 2)), float(np.mean((multi - true[:cfg.horizon]) ** 2)))


def train_forecasters(values: np.ndarray, config: SeriesConfig = SeriesConfig(), stop=None) -> Iterator:
    """Train one model per ``config.kinds`` on the windows of ``values`` and compare them.

    Yields a ``SeriesEpoch`` per model and epoch, then one ``SeriesDone`` (also after a stop: the
    models trained so far are evaluated and kept), or an ``ErrorEvent`` for impossible settings.
    A model whose loss becomes NaN or explodes goes back to its last good weights and is listed in
    ``result.diverged``; the others still train.
    """
    from playground.device import job_threads
    from playground.training import ErrorEvent

    torch.set_num_threads(config.threads or job_threads())
    values = np.asarray(values, dtype=np.float32)
    try:
        if not np.isfinite(values).all():
            raise SeriesError("rnn.series.not_finite")
        check_config(len(values), config)
    except SeriesError as exc:
        yield ErrorEvent(exc.key, exc.kwargs)
        return
    cut = split_point(len(values), config.test_share)
    train_part = values[:cut]
    result = ForecastResult(values, cut, config, mean=float(train_part.mean()),
                            std=float(train_part.std()) if train_part.std() > 1e-12 else 1.0)
    _evaluate(result, None, None)
    x, y = make_windows(result.standardise(train_part), config.window)  # (N, T, 1), (N,)
    n_val = max(1, len(x) // 5)  # the last windows of the training part check each epoch
    x_fit, y_fit, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    total = len(config.kinds) * config.epochs
    for m, kind in enumerate(config.kinds):
        torch.manual_seed(config.seed)
        gen = torch.Generator().manual_seed(config.seed)
        model = Forecaster(kind, config.hidden)
        result.models[kind], result.losses[kind] = model, []
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        good = {k: v.clone() for k, v in model.state_dict().items()}
        first = None
        for epoch in range(1, config.epochs + 1):
            if stop is not None and stop.is_set():
                result.reason = "stopped"
                break
            model.train()
            perm = torch.randperm(len(x_fit), generator=gen)
            total_loss, blown = 0.0, False
            for i in range(0, len(x_fit), config.batch_size):
                idx = perm[i:i + config.batch_size]
                loss = F.mse_loss(model(x_fit[idx]), y_fit[idx])
                value = float(loss.detach())
                first = value if first is None else first
                if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first, 1.0):
                    blown = True
                    break
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 10.0)
                optimizer.step()
                total_loss += value * len(idx)
            if blown:
                model.load_state_dict(good)
                result.diverged[kind] = epoch
                break
            with torch.no_grad():
                val = float(F.mse_loss(model.eval()(x_val), y_val))
            if not math.isfinite(val):
                model.load_state_dict(good)
                result.diverged[kind] = epoch
                break
            good = {k: v.clone() for k, v in model.state_dict().items()}
            train_loss = total_loss / len(x_fit)
            result.losses[kind].append((train_loss, val))
            yield SeriesEpoch(kind, epoch, config.epochs, train_loss, val, (m * config.epochs + epoch) / total)
        model.eval()
        _evaluate(result, kind, model)
        if result.reason == "stopped":
            break
    yield SeriesDone(result)


def quick_forecast(values: np.ndarray, config: SeriesConfig = SeriesConfig()) -> ForecastResult:
    """Run ``train_forecasters`` to the end on one thread and return its result (tests, first views)."""
    events = list(train_forecasters(values, replace(config, threads=config.threads or 1)))
    last = events[-1]
    if not isinstance(last, SeriesDone):
        raise SeriesError(last.key, **last.kwargs)
    return last.result

