"""Export a spec as a runnable PyTorch or Keras script.

Each script defines ``build_model()`` and trains only under ``if __name__ == "__main__":``,
on random stand-in data of the right shapes (a comment says where real data goes). The layer
lines come from the same registry calls the builders use; hand-written modules are copied
from their source, so the script runs without the playground installed.
"""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from playground.builders import TOKENS, keras_input_shape, plan
from playground.layers import VECTOR
from playground.spec import ModelSpec, infer_shapes


def output_kind(spec: ModelSpec) -> str:
    """How the model's output is read: softmax, sigmoid, logits (classes) or regression."""
    out = infer_shapes(spec)[-1]
    last = spec.layers[-1]
    act = last.params.get("activation", "linear") if last.type in ("dense", "activation", "conv2d") else "linear"
    if out.kind != VECTOR:
        return "regression"
    if act == "softmax":
        return "softmax"
    if act == "sigmoid":
        return "sigmoid"
    return "logits" if out.dims[0] > 1 else "regression"


_BUILDERS = Path(__file__).resolve().parent / "builders"
_FILES = {"torch": _BUILDERS / "torch_layers.py", "keras": _BUILDERS / "keras_layers.py"}


@cache
def _class_sources(framework: str) -> dict[str, str]:
    """Source text of each class in the framework's hand-written layer file (read, not imported,
    so exporting Keras code never pays for importing TensorFlow)."""
    text = _FILES[framework].read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(text, node)
        for node in ast.parse(text).body
        if isinstance(node, ast.ClassDef)
    }


# Hand-written classes that use another one.
_DEPENDS = {"EncoderBlock": ("SelfAttention",)}


def _used(spec: ModelSpec, framework: str) -> list[str]:
    known = _class_sources(framework)
    names: list[str] = []

    def add(name: str) -> None:
        for dep in _DEPENDS.get(name, ()):
            add(dep)
        if name not in names:
            names.append(name)

    def walk(call) -> None:
        if call.call in known:
            add(call.call)
        for arg in call.args:
            if hasattr(arg, "call"):
                walk(arg)

    for step in plan(spec, framework):
        for call in step.calls:
            walk(call)
    return names


def _header(spec: ModelSpec, framework: str) -> str:
    return (
        f'"""A {framework} model exported by the Deep Learning Playground.\n\n'
        f"Input per sample: {tuple(spec.input_shape)} (PyTorch order: C, H, W for images).\n"
        f'Run it: python this_file.py\n"""\n'
    )


def to_pytorch_code(spec: ModelSpec) -> str:
    """A runnable PyTorch script for ``spec``."""
    classes = _used(spec, "torch")
    lines = [_header(spec, "PyTorch"), "import math", "from collections import OrderedDict", "",
             "import torch", "import torch.nn.functional as F", "from torch import nn", "",
             f"INPUT_SHAPE = {tuple(spec.input_shape)!r}", ""]
    for name in classes:
        lines += ["", _class_sources("torch")[name], ""]
    lines += ["", "def build_model() -> nn.Module:", "    return nn.Sequential(OrderedDict(["]
    for step in plan(spec, "torch"):
        lines.append(f"        # layer {step.index}: {step.type}")
        lines += [f"        ({call.name!r}, {call.code()})," for call in step.calls]
    lines += ["    ]))", ""]
    kind = output_kind(spec)
    if spec.input().kind == TOKENS:
        x = f"torch.randint(0, {spec.layers[0].params['vocab_size']}, (256, *INPUT_SHAPE))"
    else:
        x = "torch.randn(256, *INPUT_SHAPE)"
    out_dims = infer_shapes(spec)[-1].dims
    y, loss, pred = {
        "softmax": (f"torch.randint(0, {out_dims[0]}, (256,))", "nn.NLLLoss()", "torch.log(model(xb) + 1e-9)"),
        "logits": (f"torch.randint(0, {out_dims[0]}, (256,))", "nn.CrossEntropyLoss()", "model(xb)"),
        "sigmoid": (f"torch.randint(0, 2, (256, {out_dims[0]})).float()", "nn.BCELoss()", "model(xb)"),
        "regression": (f"torch.randn(256, *{out_dims!r})", "nn.MSELoss()", "model(xb)"),
    }[kind]
    lines += [
        "",
        'if __name__ == "__main__":',
        "    torch.manual_seed(0)",
        "    model = build_model()",
        "    print(model)",
        '    print("trainable parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))',
        "    # Random stand-in data with the right shapes: replace x and y with your dataset.",
        f"    x = {x}",
        f"    y = {y}",
        f"    loss_fn = {loss}",
        "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)",
        "    model.train()",
        "    for epoch in range(2):",
        "        for i in range(0, len(x), 32):",
        "            xb, yb = x[i:i + 32], y[i:i + 32]",
        "            optimizer.zero_grad()",
        f"            loss = loss_fn({pred}, yb)",
        "            loss.backward()",
        "            optimizer.step()",
        '        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")',
        "",
    ]
    return "\n".join(lines)


def to_keras_code(spec: ModelSpec) -> str:
    """A runnable Keras 3 script for ``spec`` (channels-last input)."""
    lines = [_header(spec, "Keras"), "import keras", "import numpy as np", "from keras import layers, ops", "",
             f"INPUT_SHAPE = {keras_input_shape(spec)!r}  # channels last, as Keras expects", ""]
    for name in _used(spec, "keras"):
        lines += ["", _class_sources("keras")[name], ""]
    dtype = ', dtype="int32"' if spec.input().kind == TOKENS else ""
    lines += ["", "def build_model() -> keras.Model:", "    return keras.Sequential([",
              f"        keras.Input(shape=INPUT_SHAPE{dtype}),"]
    for step in plan(spec, "keras"):
        lines.append(f"        # layer {step.index}: {step.type}")
        lines += [f"        {call.code()}," for call in step.calls]
    lines += ['    ], name="playground")', ""]
    kind = output_kind(spec)
    out_dims = infer_shapes(spec)[-1].dims
    if spec.input().kind == TOKENS:
        x = f"np.random.randint(0, {spec.layers[0].params['vocab_size']}, size=(256, *INPUT_SHAPE))"
    else:
        x = "np.random.rand(256, *INPUT_SHAPE).astype('float32')"
    y, loss = {
        "softmax": (f"np.random.randint(0, {out_dims[0]}, size=(256,))", '"sparse_categorical_crossentropy"'),
        "logits": (f"np.random.randint(0, {out_dims[0]}, size=(256,))",
                   "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"),
        "sigmoid": (f"np.random.randint(0, 2, size=(256, {out_dims[0]})).astype('float32')", '"binary_crossentropy"'),
        "regression": (f"np.random.rand(256, *{out_dims!r}).astype('float32')", '"mse"'),
    }[kind]
    lines += [
        "",
        'if __name__ == "__main__":',
        "    keras.utils.set_random_seed(0)",
        "    model = build_model()",
        "    model.summary()",
        "    # Random stand-in data with the right shapes: replace x and y with your dataset.",
        f"    x = {x}",
        f"    y = {y}",
        f"    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss={loss})",
        "    model.fit(x, y, epochs=2, batch_size=32, verbose=2)",
        "",
    ]
    return "\n".join(lines)
