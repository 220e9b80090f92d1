"""Exported scripts: they parse, stand alone, build the same model as the builders, and train."""
from __future__ import annotations

import ast
import functools
import math
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest
import torch

from playground.builders import build_keras, build_torch, example_input
from playground.builders.keras_layers import CUSTOM_LAYERS
from playground.builders.torch_layers import CUSTOM_MODULES
from playground.codegen import output_kind, to_keras_code, to_pytorch_code
from playground.layers import IMAGE, LAYERS
from playground.presets import PRESETS
from playground.spec import ModelSpec, infer_shapes, layer_inputs
from playground.summary import summarize

torch.set_num_threads(1)

# Extra specs so that every hand-written module of both frameworks appears in some export.
EXTRA = {
    "seq_bn_ln_gru": {
        "input_shape": [6, 4],
        "layers": [
            {"type": "batchnorm"},
            {"type": "layernorm"},
            {"type": "gru", "units": 5, "num_layers": 2, "bidirectional": True, "return_sequences": True,
             "dropout": 0.1},
            {"type": "simplernn", "units": 3},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
    },
    "image_layernorm_strided": {
        "input_shape": [3, 9, 9],
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel_size": 4, "stride": 2, "padding": "same"},
            {"type": "layernorm"},
            {"type": "avgpool2d", "pool_size": 2, "stride": 1},
            {"type": "conv2d", "filters": 2, "kernel_size": 2, "padding": "same", "activation": "softmax"},
        ],
    },
    "causal_learned_transformer": {
        "input_shape": [8],
        "layers": [
            {"type": "embedding", "vocab_size": 30, "dim": 12},
            {"type": "positional_encoding", "kind": "learned"},
            {"type": "attention", "heads": 2, "key_dim": 4, "causal": True},
            {"type": "transformer_encoder", "heads": 3, "ff_dim": 16},
            {"type": "globalavgpool1d"},
            {"type": "dense", "units": 3, "activation": "sigmoid"},
        ],
    },
}

SPECS = {**{f"preset_{k}": p.spec for k, p in PRESETS.items()}, **EXTRA}


@functools.cache
def spec_of(name: str) -> ModelSpec:
    return ModelSpec.from_dict(SPECS[name])


@functools.cache
def code(name: str, framework: str) -> str:
    return (to_pytorch_code if framework == "torch" else to_keras_code)(spec_of(name))


def load_script(tmp_path, name: str, framework: str) -> dict:
    """Run the exported file as a module that is not ``__main__``: it defines build_model() and stops."""
    path = tmp_path / f"{name}_{framework}.py"
    path.write_text(code(name, framework), encoding="utf-8")
    return runpy.run_path(str(path), run_name="exported")


def registry_counts(spec: ModelSpec) -> tuple[int, int]:
    torch_n = keras_n = 0
    for layer, shape in zip(spec.layers, layer_inputs(spec)):
        kind = LAYERS[layer.type]
        torch_n += kind.params(shape, layer.params)
        keras_n += (kind.keras_params or kind.params)(shape, layer.params)
    return torch_n, keras_n


def test_extra_specs_cover_every_hand_written_class():
    def classes(framework):
        found = set()
        for name in SPECS:
            tree = ast.parse(code(name, framework))
            found |= {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        return found

    assert classes("torch") == set(CUSTOM_MODULES)
    assert classes("keras") == set(CUSTOM_LAYERS)


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_script_parses_and_stands_alone(name, framework):
    text = code(name, framework)
    tree = ast.parse(text)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "playground" not in imported and "playground." not in text
    allowed = {"math", "collections", "torch"} if framework == "torch" else {"keras", "numpy"}
    assert imported <= allowed, imported
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "build_model" in functions
    # Training lives under the main guard only.
    guards = [n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
    assert len(guards) == 1
    assert ".fit(" in ast.unparse(guards[0]) or ".backward()" in ast.unparse(guards[0])
    top_calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert not top_calls
    # One commented line per spec layer, in order.
    for i, layer in enumerate(spec_of(name).layers, start=1):
        assert f"# layer {i}: {layer.type}" in text


@pytest.mark.parametrize("name", sorted(SPECS))
def test_pytorch_script_builds_the_same_model(tmp_path, name):
    spec = spec_of(name)
    scope = load_script(tmp_path, name, "torch")
    model = scope["build_model"]()
    assert tuple(scope["INPUT_SHAPE"]) == spec.input_shape
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == registry_counts(spec)[0] == summarize(spec).trainable
    # Same children, same parameter names and shapes: the builder's weights load into it...
    built = build_torch(spec)
    assert [n for n, _ in model.named_children()] == [n for n, _ in built.named_children()]
    model.load_state_dict(built.state_dict())
    model.eval()
    built.eval()
    x = example_input(spec, batch=3)
    with torch.no_grad():
        y = model(x)
        # ...and then both compute the same function.
        torch.testing.assert_close(y, built(x))
    assert tuple(y.shape) == (3, *infer_shapes(spec)[-1].dims)


KERAS_SPECS = ["preset_tiny_transformer", "preset_tiny_lstm_text", "preset_keras_mnist_cnn",
               "preset_sentiment_bilstm", "causal_learned_transformer", "image_layernorm_strided", "seq_bn_ln_gru"]


@pytest.mark.parametrize("name", KERAS_SPECS)
def test_keras_script_builds_the_same_model(tmp_path, name):
    spec = spec_of(name)
    scope = load_script(tmp_path, name, "keras")
    model = scope["build_model"]()
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert trainable == registry_counts(spec)[1] == summarize(spec).keras_trainable
    built = build_keras(spec)
    assert [w.shape for w in model.weights] == [w.shape for w in built.weights]
    model.set_weights(built.get_weights())
    x = example_input(spec, batch=3, framework="keras")
    y = np.asarray(model(x, training=False))
    np.testing.assert_allclose(y, np.asarray(built(x, training=False)), rtol=1e-5, atol=1e-6)
    out = infer_shapes(spec)[-1]
    dims = (out.dims[1], out.dims[2], out.dims[0]) if out.kind == IMAGE else out.dims
    assert y.shape == (3, *dims)


def test_keras_rnn_scripts_differ_from_pytorch_by_the_bias_vectors(tmp_path):
    spec = spec_of("preset_tiny_lstm_text")
    keras_model = load_script(tmp_path, "preset_tiny_lstm_text", "keras")["build_model"]()
    torch_model = load_script(tmp_path, "preset_tiny_lstm_text", "torch")["build_model"]()
    keras_n = sum(math.prod(w.shape) for w in keras_model.trainable_weights)
    torch_n = sum(p.numel() for p in torch_model.parameters())
    units = spec.layers[1].params["units"]
    assert torch_n - keras_n == 4 * units  # one extra bias vector per LSTM gate in PyTorch


@pytest.mark.parametrize(
    "name,kind",
    [("preset_keras_mnist_cnn", "softmax"), ("preset_mlp_dropout", "sigmoid"), ("preset_cifar10_cnn", "logits"),
     ("preset_simple_self_attention", "regression"), ("causal_learned_transformer", "sigmoid")],
)
def test_output_kind_picks_the_loss(name, kind):
    assert output_kind(spec_of(name)) == kind
    loss = {"softmax": "nn.NLLLoss()", "sigmoid": "nn.BCELoss()", "logits": "nn.CrossEntropyLoss()",
            "regression": "nn.MSELoss()"}[kind]
    assert f"loss_fn = {loss}" in code(name, "torch")


def test_output_kind_of_a_single_linear_unit_is_regression():
    spec = ModelSpec.from_dict({"input_shape": [3], "layers": [{"type": "dense", "units": 1, "activation": "linear"}]})
    assert output_kind(spec) == "regression"


def _run_main(tmp_path, name: str, framework: str) -> subprocess.CompletedProcess:
    path = tmp_path / f"{name}_{framework}_main.py"
    path.write_text(code(name, framework), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": ""}
    # Run from tmp_path, so the playground package cannot be imported by accident.
    return subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_pytorch_script_trains_as_main(tmp_path):
    name = "causal_learned_transformer"
    proc = _run_main(tmp_path, name, "torch")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"trainable parameters: {registry_counts(spec_of(name))[0]}" in proc.stdout
    losses = [float(line.split("loss")[-1]) for line in proc.stdout.splitlines() if line.startswith("epoch")]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)


def test_keras_script_trains_as_main(tmp_path):
    name = "preset_tiny_lstm_text"
    proc = _run_main(tmp_path, name, "keras")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert "1,681" in out  # model.summary(): the notes' Keras count for this network
    assert "Epoch 2/2" in out and "loss" in out
