"""Share links on /gnn, /activations, /optimizers, /transfer and /tensors, as AppTest sees them.

As on TensorFlow Playground, a page's settings live in the query string: a link opens the page with them, a
change goes back into the address, the "Share" popover shows the link, and a bad value is named, not raised.
"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP


def query(at: AppTest) -> dict[str, str]:
    """The page's query string as the browser has it (AppTest keeps some values as one-item lists)."""
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def open_link(page: str, timeout: int = 120, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shared(at: AppTest) -> str:
    """The link in the "Share" popover (the one st.code that holds a query string with ``lang=``)."""
    [link] = [c.value for c in at.get("code") if "lang=" in c.value]
    return link


def dropped(at: AppTest) -> str:
    [warning] = [w.value for w in at.warning if "link" in w.value or "enlace" in w.value]
    return warning


def test_gnn_link_sets_the_graph_and_the_model():
    at = open_link("gnn", lang="en", graph="sbm", blocks="4", size="10", p_in="0.5", p_out="0.05", sbm_seed="3",
                   model="gat", layers="3", hidden="8", heads="4", dropout="0.2", lr="0.03", epochs="50",
                   per_class="2", seed="5", pick="random", features="degree")
    assert not at.error and not at.warning
    assert at.selectbox(key="gnn.graph").value == "sbm"
    assert at.number_input(key="gnn.sbm.blocks").value == 4 and at.number_input(key="gnn.sbm.size").value == 10
    assert at.slider(key="gnn.sbm.p_in").value == 0.5 and at.slider(key="gnn.sbm.p_out").value == 0.05
    assert at.number_input(key="gnn.sbm.seed").value == 3
    assert at.radio(key="gnn.model").value == "gat" and at.number_input(key="gnn.layers").value == 3
    assert at.select_slider(key="gnn.hidden").value == 8 and at.number_input(key="gnn.heads").value == 4
    assert at.slider(key="gnn.dropout").value == 0.2 and at.select_slider(key="gnn.lr").value == 0.03
    assert at.number_input(key="gnn.epochs").value == 50 and at.number_input(key="gnn.per_class").value == 2
    assert at.number_input(key="gnn.seed").value == 5
    assert at.radio(key="gnn.pick").value == "random" and at.radio(key="gnn.features").value == "degree"
    assert "graph=sbm" in shared(at) and "blocks=4" in shared(at) and "model=gat" in shared(at)
    at.number_input(key="gnn.layers").set_value(2).run()
    assert query(at)["layers"] == "2" and query(at)["hidden"] == "8"
    assert "layers=2" in shared(at)
    # Another graph: the SBM's own settings leave the address and the link.
    at.selectbox(key="gnn.graph").set_value("karate").run()
    assert query(at)["graph"] == "karate" and "blocks" not in query(at) and "p_in" not in query(at)
    assert "blocks=" not in shared(at) and "graph=karate" in shared(at)


def test_gnn_bad_link_values_are_named():
    at = open_link("gnn", lang="es", graph="cora", model="gin", hidden="7", dropout="2", seed="-1")
    assert not at.error
    warning = dropped(at)
    for item in ("graph=cora", "model=gin", "hidden=7", "dropout=2", "seed=-1"):
        assert item in warning
    assert at.selectbox(key="gnn.graph").value == "karate" and at.radio(key="gnn.model").value == "gcn"
    assert at.select_slider(key="gnn.hidden").value == 16


def test_activations_link_sets_the_function_softmax_perceptron_and_network():
    at = open_link("activations", lang="es", act="leaky_relu", alpha="0.2", logits="1, 2, 3", temp="2.5",
                   x2="-1.5", w1="-1.5", b="0.5", dataset="xor", noise="0.1", layers="3", units="4", lr="0.1",
                   epochs="50", seed="7")
    assert not at.error and not at.warning
    assert at.selectbox(key="activations.name").value == "leaky_relu"
    assert at.slider(key="activations.alpha.leaky_relu").value == 0.2
    assert at.text_input(key="activations.softmax.z").value == "1, 2, 3"
    assert at.slider(key="activations.softmax.t").value == 2.5
    assert at.slider(key="activations.p.x2").value == -1.5 and at.slider(key="activations.p.w1").value == -1.5
    assert at.slider(key="activations.p.b").value == 0.5
    assert at.selectbox(key="activations.train.dataset").value == "xor"
    assert at.slider(key="activations.train.noise").value == 0.1
    assert at.number_input(key="activations.train.layers").value == 3
    assert at.select_slider(key="activations.train.units").value == 4
    assert at.select_slider(key="activations.train.lr").value == 0.1
    assert at.number_input(key="activations.train.epochs").value == 50
    assert at.number_input(key="activations.train.seed").value == 7
    assert "act=leaky_relu" in shared(at) and "alpha=0.2" in shared(at)
    at.slider(key="activations.softmax.t").set_value(0.5).run()
    assert query(at)["temp"] == "0.5" and "temp=0.5" in shared(at)
    # α belongs to the activation: ELU gets its own, ReLU none.
    at.selectbox(key="activations.name").set_value("elu").run()
    at.run()
    assert query(at)["act"] == "elu" and query(at)["alpha"] == "1"
    at.selectbox(key="activations.name").set_value("relu").run()
    assert "alpha" not in query(at) and "alpha=" not in shared(at)


def test_activations_bad_link_values_are_named():
    at = open_link("activations", lang="en", act="swish", temp="hot", logits="a, b", units="5")
    warning = dropped(at)
    for item in ("act=swish", "temp=hot", "logits=a, b", "units=5"):
        assert item in warning
    assert at.selectbox(key="activations.name").value == "relu"


def test_optimizers_link_sets_surface_optimizers_rates_and_start():
    paths = "optimizers.paths"
    at = open_link("optimizers", lang="en", surface="rosenbrock", opt="sgd,adam", steps="300", x="-1.5", y="2",
                   preset="custom", lr_adam="0.001", lr_sgd="0.002")
    assert not at.error and not at.warning
    assert at.selectbox(key=f"{paths}.surface").value == "rosenbrock"
    assert at.multiselect(key=f"{paths}.chosen").value == ["sgd", "adam"]
    assert at.number_input(key=f"{paths}.steps.rosenbrock").value == 300
    assert at.number_input(key=f"{paths}.x0.rosenbrock").value == -1.5
    assert at.number_input(key=f"{paths}.y0.rosenbrock").value == 2.0
    assert at.segmented_control(key=f"{paths}.preset").value == "custom"
    assert at.select_slider(key=f"{paths}.lr.rosenbrock.adam").value == 0.001
    assert at.select_slider(key=f"{paths}.lr.rosenbrock.sgd").value == 0.002
    assert "opt=sgd,adam" in shared(at) and "lr_adam=0.001" in shared(at)
    at.multiselect(key=f"{paths}.chosen").set_value(["adam", "rmsprop"]).run()
    assert query(at)["opt"] == "adam,rmsprop" and "lr_sgd" not in query(at)
    assert "opt=adam,rmsprop" in shared(at)
    # Another surface: the old one's steps and start point leave the address.
    at.selectbox(key=f"{paths}.surface").set_value("bowl").run()
    assert query(at)["surface"] == "bowl" and "steps" not in query(at) and "x" not in query(at)
    at.run()
    assert query(at)["steps"] == "150" and query(at)["x"] == "-4"  # the bowl's own defaults
    at.segmented_control(key=f"{paths}.preset").set_value("high").run()
    assert query(at)["preset"] == "high" and not [k for k in query(at) if k.startswith("lr_")]


def test_optimizers_bad_link_values_are_named():
    at = open_link("optimizers", lang="es", surface="bowl", opt="sgd,lion", x="99", preset="fast")
    warning = dropped(at)
    for item in ("opt=sgd,lion", "x=99", "preset=fast"):
        assert item in warning
    assert len(at.multiselect(key="optimizers.paths.chosen").value) == 6
    assert at.number_input(key="optimizers.paths.x0.bowl").value == -4.0


def test_transfer_link_sets_target_and_training():
    cfg = "transfer.cfg"
    at = open_link("transfer", lang="en", target="shapes", per_class="5", epochs="7", lr="0.0001", unfreeze="2",
                   factor="0.3")
    assert not at.error and not at.warning
    assert at.radio(key=f"{cfg}.target").value == "shapes" and at.select_slider(key=f"{cfg}.per_class").value == 5
    assert at.number_input(key=f"{cfg}.epochs").value == 7 and at.select_slider(key=f"{cfg}.lr").value == 0.0001
    assert at.radio(key=f"{cfg}.unfreeze").value == 2 and at.select_slider(key=f"{cfg}.factor").value == 0.3
    assert "target=shapes" in shared(at) and "unfreeze=2" in shared(at)
    at.number_input(key=f"{cfg}.epochs").set_value(3).run()
    assert query(at)["epochs"] == "3" and query(at)["target"] == "shapes"
    assert "epochs=3" in shared(at)


def test_transfer_bad_link_values_are_named():
    at = open_link("transfer", lang="es", target="cifar", unfreeze="3", lr="0.5")
    warning = dropped(at)
    for item in ("target=cifar", "unfreeze=3", "lr=0.5"):
        assert item in warning
    assert at.radio(key="transfer.cfg.target").value == "digits59"


def test_tensors_link_sets_the_operation_and_its_shapes():
    at = open_link("tensors", timeout=180, lang="en", op="matmul", a="2, 3", b="4,3", transpose_b="true", seed="5")
    assert not at.error and not at.warning
    assert at.radio(key="tensors.group").value == "math"  # the link named only the operation
    assert at.radio(key="tensors.op.math").value == "matmul"
    assert at.text_input(key="tensors.matmul.a").value == "2, 3"
    assert at.text_input(key="tensors.matmul.b").value == "4,3"
    assert at.checkbox(key="tensors.matmul.transpose_b").value is True
    assert at.number_input(key="tensors.seed").value == 5
    assert "op=matmul" in shared(at) and "transpose_b=True" in shared(at) and "group=math" in shared(at)
    at.checkbox(key="tensors.matmul.transpose_a").check().run()
    assert query(at)["transpose_a"] == "True" and "transpose_a=True" in shared(at)
    # Another operation: its parameters replace the old ones ("op" of elementwise travels as fn).
    at.radio(key="tensors.op.math").set_value("elementwise").run()
    at.selectbox(key="tensors.elementwise.op").set_value("pow").run()
    assert query(at)["op"] == "elementwise" and query(at)["fn"] == "pow" and "transpose_a" not in query(at)
    assert "fn=pow" in shared(at)


def test_tensors_bad_link_values_are_named():
    at = open_link("tensors", timeout=180, lang="es", op="reshape", shape="hello", new_shape="3,-1", seed="x")
    warning = dropped(at)
    for item in ("shape=hello", "seed=x"):
        assert item in warning
    assert at.radio(key="tensors.op.shape").value == "reshape"
    assert at.text_input(key="tensors.reshape.new_shape").value == "3,-1"
