"""The URL state registry: parsing, dropping bad values, and the inverse."""
from __future__ import annotations

from playground.share import CONTROLS, read_state, share_url, state_params


def test_read_state_parses_known_controls_and_lists():
    s = read_state({"dataset": "spiral", "epochs": "12", "lr": "0.003", "batch_size": "32", "backend": "keras",
                    "lock": "layers, lr", "hide": "code"})
    assert s.values == {"build.dataset": "spiral", "train.epochs": 12, "train.lr": 0.003, "train.batch_size": 32,
                        "train.backend": "keras"}
    assert s.locked == {"layers", "lr"} and s.hidden == {"code"} and s.dropped == ()


def test_bad_values_are_dropped_not_raised():
    s = read_state({"dataset": "imagenet", "epochs": "0", "lr": "0.02", "seed": "x", "lock": "layers,brain"})
    assert s.values == {} and s.locked == {"layers"}
    assert set(s.dropped) == {"dataset=imagenet", "epochs=0", "lr=0.02", "seed=x", "lock=brain"}


def test_state_params_is_the_inverse_of_read_state():
    session = {"build.dataset": "xor", "train.epochs": 7, "train.lr": 0.1, "train.optimizer": "sgd",
               "train.seed": 3, "other": "ignored"}
    params = state_params(session, locked={"seed", "layers"}, hidden={"code"})
    assert params["lr"] == "0.1" and params["lock"] == "layers,seed" and "other" not in params
    back = read_state(params)
    assert back.values == {k: v for k, v in session.items() if k != "other"}
    assert back.locked == {"seed", "layers"} and back.hidden == {"code"}
    assert {c.key for c in CONTROLS.values()} >= set(back.values)


def test_share_url_keeps_commas_readable():
    assert share_url("http://h/build", {"lock": "a,b", "lang": "es"}) == "http://h/build?lock=a,b&lang=es"
    assert share_url("http://h/build", {}) == "http://h/build"
