"""Time series for the /rnn page: synthetic series, windows, the naive baseline, forecasts, CSV columns."""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from playground.data import DatasetError, load_dataset
from playground.i18n import catalogue
from playground.series import (
    SERIES_KINDS,
    SeriesConfig,
    SeriesDone,
    SeriesEpoch,
    SeriesError,
    check_config,
    csv_column,
    forecast,
    last_value,
    make_series,
    make_windows,
    quick_forecast,
    split_point,
    train_forecasters,
)
from playground.training import ErrorEvent

torch.set_num_threads(1)
FAST = SeriesConfig(window=20, horizon=25, hidden=24, epochs=15, lr=0.01, threads=1)


def _msg_ok(exc) -> None:
    assert exc.key in catalogue("en") and exc.key in catalogue("es")
    en, es = exc.message("en"), exc.message("es")
    assert en != es and "{" not in en and "{" not in es


@pytest.mark.parametrize("kind", SERIES_KINDS[:-1])
def test_series_are_seeded_and_differ(kind):
    a, b, c = make_series(kind, 120, 0.1, 1), make_series(kind, 120, 0.1, 1), make_series(kind, 120, 0.1, 2)
    assert a.shape == (120,) and a.dtype == np.float32 and np.isfinite(a).all()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    clean = make_series(kind, 120, 0.0, 1)
    assert 0.05 < np.std(a - clean) < 0.15  # the noise is the asked 0.1


def test_trend_rises_and_sine_does_not():
    trend, sine = make_series("trend", 300, 0.0), make_series("sine", 300, 0.0)
    assert trend[-50:].mean() > trend[:50].mean() + 2
    assert abs(sine[-50:].mean() - sine[:50].mean()) < 0.2


def test_unknown_series_is_refused():
    with pytest.raises(SeriesError) as err:
        make_series("stock_prices")
    _msg_ok(err.value)


def test_windows_follow_their_definition():
    values = np.arange(10, dtype=np.float32) ** 2
    x, y = make_windows(values, 4)  # (6, 4, 1), (6,)
    assert x.shape == (6, 4, 1) and y.shape == (6,)
    for i in range(6):
        assert x[i, :, 0].tolist() == values[i:i + 4].tolist() and float(y[i]) == values[i + 4]
    assert last_value(x).tolist() == values[3:9].tolist()
    with pytest.raises(SeriesError):
        make_windows(values, 10)


def test_forecast_feeds_its_own_predictions_back():
    class PlusOne(nn.Module):  # predicts "last value + 1"
        def forward(self, x):
            return x[:, -1, 0] + 1

    history = np.array([0.0, 5.0, 7.0], dtype=np.float32)
    assert forecast(PlusOne(), history, 4).tolist() == [8.0, 9.0, 10.0, 11.0]  # each step starts from the last guess
    assert forecast(None, history, 3).tolist() == [7.0, 7.0, 7.0]  # the naive forecast


def test_lstm_beats_the_last_value_baseline_on_the_noisy_sine():
    result = quick_forecast(make_series("sine", 300, 0.1, 0), replace(FAST, kinds=("lstm",)))
    lstm_one, lstm_multi = result.mse["lstm"]
    naive_one, naive_multi = result.mse["naive"]
    assert lstm_one < 0.7 * naive_one
    assert lstm_multi < naive_multi  # fed back 25 steps, it still follows the wave better than a flat line
    cut = split_point(300, FAST.test_share)
    assert result.one_step["lstm"].shape == (300 - cut,) and result.multi["lstm"].shape == (FAST.horizon,)
    true = result.values[cut:]
    assert np.isclose(np.mean((result.one_step["naive"] - true) ** 2), naive_one)
    assert np.allclose(result.one_step["naive"], result.values[cut - 1:-1])  # "next = last" in the series' units


def test_events_cover_every_model_and_epoch():
    config = SeriesConfig(window=10, horizon=5, hidden=8, epochs=2, threads=1)
    events = list(train_forecasters(make_series("sines", 150), config))
    epochs = [e for e in events if isinstance(e, SeriesEpoch)]
    assert [(e.kind, e.epoch) for e in epochs] == [(k, ep) for k in ("rnn", "lstm", "gru") for ep in (1, 2)]
    assert epochs[-1].done == 1.0 and all(a.done < b.done for a, b in zip(epochs, epochs[1:]))
    done = events[-1]
    assert isinstance(done, SeriesDone) and done.result.reason == "finished"
    assert set(done.result.mse) == {"naive", "rnn", "lstm", "gru"}
    assert all(len(v) == 2 for v in done.result.losses.values())


def test_stop_keeps_what_was_trained():
    stop = threading.Event()
    stop.set()
    events = list(train_forecasters(make_series("sine", 150), SeriesConfig(window=10, horizon=5, epochs=3,
                                                                           threads=1), stop))
    result = events[-1].result
    assert result.reason == "stopped" and "rnn" in result.models and "rnn" in result.mse
    assert "lstm" not in result.models  # the later models never started


def test_a_diverging_rate_is_caught_and_reported():
    result = quick_forecast(make_series("sine", 200), SeriesConfig(window=10, horizon=5, hidden=8, epochs=2, lr=10.0))
    assert set(result.diverged) == {"rnn", "lstm", "gru"}
    assert all(np.isfinite(v).all() for v in result.one_step.values())  # the last good weights still predict


@pytest.mark.parametrize("config, key", [
    (SeriesConfig(window=220), "rnn.series.window_too_long"),
    (SeriesConfig(horizon=500), "rnn.series.horizon_too_long"),
    (SeriesConfig(kinds=()), "rnn.series.bad_kinds"),
    (SeriesConfig(lr=float("nan")), "rnn.series.bad_lr"),
])
def test_impossible_settings_are_errors_with_a_message(config, key):
    with pytest.raises(SeriesError) as err:
        check_config(300, config)
    assert err.value.key == key
    _msg_ok(err.value)
    events = list(train_forecasters(make_series("sine", 300), config))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and events[0].key == key


def test_a_series_with_nan_is_refused():
    values = make_series("sine", 200)
    values[7] = np.nan
    events = list(train_forecasters(values, SeriesConfig(threads=1)))
    assert isinstance(events[0], ErrorEvent) and events[0].key == "rnn.series.not_finite"


# ---------------------------------------------------------------- CSV columns


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def test_csv_column_picks_the_first_numeric_column_in_file_order():
    rows = ["date,city,temp,rain"] + [f"2024-01-{i:02d},Madrid,{10 + i % 7},{i % 3}" for i in range(1, 80)]
    values, column, columns = csv_column(_csv(rows))
    assert column == "temp" and columns == ["temp", "rain"]
    assert values[:3].tolist() == [11.0, 12.0, 13.0] and len(values) == 79
    rain, column, _ = csv_column(_csv(rows), "rain")
    assert column == "rain" and rain[:3].tolist() == [1.0, 2.0, 0.0]


def test_csv_without_header_and_with_decimal_commas():
    values, column, _ = csv_column(_csv([str(0.5 * i) for i in range(70)]))
    assert len(values) == 70 and values[1] == 0.5  # the first number is data, not a header
    values, _, _ = csv_column(_csv(["a;b"] + [f"{i},5;{i}" for i in range(70)]))
    assert values[:2].tolist() == [0.5, 1.5]


@pytest.mark.parametrize("data, key", [
    (_csv(["name,city"] + [f"n{i},c{i}" for i in range(80)]), "rnn.csv.no_numeric"),
    (_csv(["x"] + [str(i) for i in range(20)]), "rnn.csv.too_short"),
    (_csv(["x"] + ["3"] * 80), "rnn.csv.constant"),
    (b"", "csv.empty"),
    (b"x\n" + b"1\n" * 2_000_000, "csv.too_big"),
    (b"\x00\x01\x02" * 100, "csv.binary"),
])
def test_bad_csv_files_say_what_to_change(data, key):
    with pytest.raises(DatasetError) as err:
        csv_column(data)
    assert err.value.key == key
    _msg_ok(err.value)


def test_unknown_column_is_refused():
    with pytest.raises(DatasetError) as err:
        csv_column(_csv(["a"] + [str(i) for i in range(80)]), "b")
    assert err.value.key == "rnn.csv.bad_column"


# ---------------------------------------------------------------- the Build page's sequence dataset


def test_sequence_dataset_is_chronological_windows_of_the_sine():
    d = load_dataset("sequence", n_samples=200, window=12, seed=3)
    assert d.x_train.shape[1:] == (12, 1) and d.meta["task"] == "regression" and d.y_train.dtype == torch.float32
    x_all = torch.cat([d.x_train, d.x_test])
    y_all = torch.cat([d.y_train, d.y_test])
    assert torch.equal(x_all[1:, -1, 0], y_all[:-1])  # each target is the newest value of the next window
    assert torch.equal(d.x_test[0, :-1, 0], d.x_train[-1, 1:, 0])  # the test part continues the training part
    with pytest.raises(DatasetError):
        load_dataset("sequence", window=1)
