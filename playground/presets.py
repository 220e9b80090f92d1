"""PRESETS: every network of the course notes, plus LeNet-5 and a tiny Transformer classifier.

Each preset is a spec dict; the ``source`` says where in the notes it comes from, and
``note_key`` (an i18n key) says how our version differs when it does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from playground.spec import ModelSpec


@dataclass(frozen=True)
class Preset:
    """A named network: ``spec`` is the user-facing dict, ``dataset`` the one it fits best."""

    key: str
    spec: dict
    dataset: str
    source: str
    note_key: str | None = None
    tags: tuple[str, ...] = field(default=())

    def model_spec(self) -> ModelSpec:
        return ModelSpec.from_dict(self.spec)


def _d(units: int, act: str = "relu") -> dict:
    return {"type": "dense", "units": units, "activation": act}


def _conv(filters: int, k: int = 3, padding: str = "valid", act: str = "relu") -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": k, "padding": padding, "activation": act}


_BN, _FLAT = {"type": "batchnorm"}, {"type": "flatten"}
_POOL = {"type": "maxpool2d", "pool_size": 2}
_RELU = {"type": "activation", "activation": "relu"}


def _drop(rate: float) -> dict:
    return {"type": "dropout", "rate": rate}


_PRESETS = [
    Preset(
        "keras_mnist_cnn",
        {"input_shape": [1, 28, 28], "layers": [_conv(32), _POOL, _FLAT, _d(64), _d(10, "softmax")]},
        "mnist",
        "000 · CNN — MNIST (Keras)",
    ),
    Preset(
        "lenet5",
        {
            "input_shape": [1, 28, 28],
            "layers": [
                _conv(6, 5, "same", "tanh"),
                {"type": "avgpool2d", "pool_size": 2},
                _conv(16, 5, "valid", "tanh"),
                {"type": "avgpool2d", "pool_size": 2},
                _FLAT,
                _d(120, "tanh"),
                _d(84, "tanh"),
                _d(10, "softmax"),
            ],
        },
        "mnist",
        "LeCun et al., 1998",
    ),
    Preset(
        "simple_cnn_bn_gap",
        {
            "input_shape": [3, 32, 32],
            "layers": [
                _conv(32, 3, "same", "linear"), _BN, _RELU, _POOL,
                _conv(64, 3, "same", "linear"), _BN, _RELU, _POOL,
                _conv(128, 3, "same", "linear"), _BN, _RELU,
                {"type": "globalavgpool2d"},
                _d(10, "linear"),
            ],
        },
        "cifar10",
        "001 · SimpleCNN (PyTorch)",
    ),
    Preset(
        "cifar10_cnn",
        {
            "input_shape": [3, 32, 32],
            "layers": [
                _conv(32, 3, "same", "linear"), _BN, _RELU, _POOL,
                _conv(64, 3, "same", "linear"), _BN, _RELU, _POOL,
                _conv(128, 3, "same", "linear"), _BN, _RELU, _POOL,
                _FLAT, _d(256), _drop(0.5), _d(10, "linear"),
            ],
        },
        "cifar10",
        "002 · CNN para CIFAR-10",
    ),
    Preset(
        "mlp_dropout",
        {
            "input_shape": [20],
            "layers": [_d(64), _drop(0.2), _d(32), _drop(0.2), _d(1, "sigmoid")],
        },
        "make_classification",
        "002 · Red neuronal básica (PyTorch)",
    ),
    Preset(
        "mlp_regularized_bn",
        {
            "input_shape": [20],
            "layers": [
                _d(256, "linear"), _BN, _RELU, _drop(0.3),
                _d(128, "linear"), _BN, _RELU, _drop(0.3),
                _d(64, "linear"), _BN, _RELU, _drop(0.2),
                _d(10, "linear"),
            ],
        },
        "make_classification",
        "002 · RegularizedNetwork",
    ),
    Preset(
        "keras_mlp_100",
        {"input_shape": [100], "layers": [_d(64), _d(64), _d(10, "softmax")]},
        "make_classification",
        "003 · Modelo secuencial en TensorFlow",
    ),
    Preset(
        "keras_flatten_bn",
        {"input_shape": [1, 28, 28], "layers": [_FLAT, _d(128), _BN, _d(10, "softmax")]},
        "mnist",
        "004 · BatchNormalization (Keras)",
    ),
    Preset(
        "tiny_lstm_text",
        {
            "input_shape": [6],
            "layers": [
                {"type": "embedding", "vocab_size": 8, "dim": 8},
                {"type": "lstm", "units": 16},
                _d(1, "sigmoid"),
            ],
        },
        "sentiment",
        "000 · RNN LSTM (Keras)",
    ),
    Preset(
        "simple_self_attention",
        {"input_shape": [20, 1], "layers": [{"type": "attention", "heads": 1, "key_dim": 32}, _FLAT,
                                            _d(1, "linear")]},
        "sequence",
        "000 · SimpleSelfAttention (Keras)",
        note_key="preset.note.simple_self_attention",
    ),
    Preset(
        "sentiment_bilstm",
        {
            "input_shape": [50],
            "layers": [
                {"type": "embedding", "vocab_size": 10000, "dim": 128},
                {"type": "lstm", "units": 256, "num_layers": 2, "bidirectional": True, "dropout": 0.3},
                _d(1, "sigmoid"),
            ],
        },
        "sentiment",
        "001 · SentimentLSTM (PyTorch)",
    ),
    Preset(
        "lstm_text_classifier",
        {
            "input_shape": [50],
            "layers": [
                {"type": "embedding", "vocab_size": 10000, "dim": 128},
                {"type": "lstm", "units": 256, "num_layers": 2, "bidirectional": True, "dropout": 0.3},
                _d(64), _drop(0.3), _d(2, "linear"),
            ],
        },
        "sentiment",
        "002 · LSTMClassifier (PyTorch)",
    ),
    Preset(
        "simple_rnn_text",
        {
            "input_shape": [50],
            "layers": [
                {"type": "embedding", "vocab_size": 10000, "dim": 64},
                {"type": "simplernn", "units": 64},
                _d(2, "linear"),
            ],
        },
        "sentiment",
        "001 · SimpleRNN (PyTorch)",
    ),
    Preset(
        "tiny_transformer",
        {
            "input_shape": [32],
            "layers": [
                {"type": "embedding", "vocab_size": 1000, "dim": 32},
                {"type": "positional_encoding", "kind": "sinusoidal"},
                {"type": "transformer_encoder", "heads": 4, "ff_dim": 64, "dropout": 0.1},
                {"type": "globalavgpool1d"},
                _d(2, "linear"),
            ],
        },
        "sentiment",
        "Vaswani et al., 2017",
    ),
]

PRESETS: dict[str, Preset] = {p.key: p for p in _PRESETS}
