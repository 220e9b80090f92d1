"""Transfer learning offline: the shipped backbone, freezing strategies, the seeded three-way comparison."""
from __future__ import annotations

import json
import threading

import pytest
import torch

from playground import transfer as tl


@pytest.fixture(scope="module")
def backbone():
    return tl.load_backbone()


@pytest.fixture(scope="module")
def digits():
    return tl.load_target("digits59", per_class=10, seed=0)


def test_shipped_backbone_classifies_digits_0_to_4(backbone):
    from playground.data import load_dataset

    data = load_dataset("mnist", offline=True)
    keep = data.y_test < 5
    assert tl.accuracy(backbone, data.x_test[keep], data.y_test[keep]) > 0.95
    meta = json.loads(tl.SHIPPED.with_suffix(".json").read_text())
    assert meta["spec"] == tl.backbone_spec().to_dict() and meta["classes"] == ["0", "1", "2", "3", "4"]


def test_backbone_script_is_byte_for_byte_reproducible(tmp_path):
    from scripts.train_backbone import main

    for out in ("a", "b"):
        main(["--epochs", "1", "--out", str(tmp_path / out)])
    for suffix in (".safetensors", ".json"):
        a = (tmp_path / "a" / f"backbone_digits04{suffix}").read_bytes()
        assert a == (tmp_path / "b" / f"backbone_digits04{suffix}").read_bytes()


def test_target_splits_few_labels_per_class(digits):
    assert digits.x_train.shape == (50, 1, 28, 28) and digits.classes == ["5", "6", "7", "8", "9"]
    assert torch.bincount(digits.y_train).tolist() == [10] * 5
    assert len(digits.x_train) + len(digits.x_test) == 2500  # the sample's 500 of each of 5..9
    train = {bytes(x.numpy()) for x in (digits.x_train * 255).round().to(torch.uint8)}
    test = {bytes(x.numpy()) for x in (digits.x_test * 255).round().to(torch.uint8)}
    assert len(train) == 50 and not train & test


def test_shapes_become_mnist_like():
    data = tl.load_target("shapes", per_class=2, seed=0)
    assert data.x_train.shape == (8, 1, 28, 28) and len(data.classes) == 4
    x = data.x_test[:50]
    border = torch.cat([x[:, 0, 0], x[:, 0, -1], x[:, 0, :, 0], x[:, 0, :, -1]], 1)
    assert x.amax(dim=(1, 2, 3)).min() == pytest.approx(1.0) and border.median() < 0.1  # dark background


@pytest.mark.parametrize("strategy,unfreeze,trained", [
    ("scratch", 1, {"conv1", "conv2", "dense1", "dense2"}),
    ("feature", 1, {"dense1", "dense2"}),
    ("finetune", 1, {"conv2", "dense1", "dense2"}),
    ("finetune", 2, {"conv1", "conv2", "dense1", "dense2"}),
])
def test_strategies_freeze_the_right_layers(backbone, strategy, unfreeze, trained):
    model = tl.build_model(strategy, backbone, 5, unfreeze)
    rows = {r["layer"]: r for r in tl.layer_rows(model, strategy, unfreeze, lr=1e-3, lr_factor=0.1)}
    assert {name for name, r in rows.items() if r["trainable"]} == trained
    trainable, total = tl.count_params(model)
    assert trainable == sum(r["params"] for r in rows.values() if r["trainable"]) and total == 105_541
    same = torch.equal(model.conv1.weight, backbone.conv1.weight)
    assert same == (strategy != "scratch")  # pretrained conv weights are copied, scratch starts random
    assert not torch.equal(model.dense1.weight, backbone.dense1.weight)  # the head is always new
    if strategy == "finetune":
        assert rows["conv2"]["lr"] == pytest.approx(1e-4) and rows["dense2"]["lr"] == pytest.approx(1e-3)


def test_transfer_with_10_labels_per_class_beats_scratch(backbone, digits):
    config = tl.TransferConfig(per_class=10, epochs=20, threads=1, max_eval=100,
                               strategies=("scratch", "feature"))
    events = list(tl.compare(config, backbone=backbone, data=digits))
    done = events[-1]
    assert isinstance(done, tl.CompareDone) and not done.stopped
    acc = done.accuracies
    assert acc["feature"] > acc["scratch"] + 0.02, acc
    assert acc["feature"] > 0.75
    epochs = [e for e in events if isinstance(e, tl.EpochResult)]
    assert len(epochs) == 40 and epochs[-1].train_accuracy == 1.0
    frozen = next(e for e in events if isinstance(e, tl.StrategyDone) and e.strategy == "feature").model
    assert torch.equal(frozen.conv1.weight, backbone.conv1.weight)  # frozen weights did not move


def test_stop_keeps_what_was_trained(backbone, digits):
    flag = threading.Event()
    events = []
    for ev in tl.compare(tl.TransferConfig(epochs=50, threads=1, max_eval=50), flag, backbone, digits):
        events.append(ev)
        if isinstance(ev, tl.EpochResult) and ev.epoch == 2:
            flag.set()
    done = [e for e in events if isinstance(e, tl.StrategyDone)]
    assert len(done) == 1 and done[0].stopped and 0 <= done[0].test_accuracy <= 1
    assert events[-1].stopped and list(events[-1].accuracies) == ["scratch"]


def test_a_loss_that_is_not_a_number_fails_cleanly(backbone, digits):
    broken = tl.TargetData("digits59", digits.x_train.clone(), digits.y_train, digits.x_test, digits.y_test,
                           digits.classes)
    broken.x_train[3, 0, 5, 5] = float("nan")
    config = tl.TransferConfig(epochs=3, threads=1, max_eval=50, strategies=("scratch", "feature"))
    events = list(tl.compare(config, backbone=backbone, data=broken))
    failed = [e for e in events if isinstance(e, tl.TransferFailed)]
    assert [f.strategy for f in failed] == ["scratch", "feature"]
    assert failed[0].key == "transfer.error.diverged" and "0.003" in failed[0].message("es")
    assert isinstance(events[-1], tl.CompareDone) and events[-1].accuracies == {}


@pytest.mark.parametrize("kwargs,key", [
    ({"target": "cifar"}, "transfer.error.target"),
    ({"per_class": 0}, "transfer.error.per_class"),
    ({"lr": float("nan")}, "transfer.error.lr"),
    ({"unfreeze": 3}, "transfer.error.unfreeze"),
    ({"lr_factor": 0.0}, "transfer.error.lr_factor"),
    ({"strategies": ("magic",)}, "transfer.error.strategy"),
])
def test_impossible_settings_are_refused(kwargs, key):
    with pytest.raises(tl.TransferError) as info:
        tl.TransferConfig(**kwargs).check()
    assert info.value.key == key and info.value.message("es") != key


def test_missing_backbone_says_how_to_make_it(tmp_path):
    with pytest.raises(tl.TransferError) as info:
        tl.load_backbone(tmp_path / "nope.safetensors")
    assert "train_backbone.py" in info.value.message("en")
    (tmp_path / "bad.safetensors").write_bytes(b"not a file")
    with pytest.raises(tl.TransferError, match="broken_backbone"):
        tl.load_backbone(tmp_path / "bad.safetensors")


def test_imagenet_weights_are_found_only_in_the_cache(tmp_path, digits):
    assert tl.imagenet_checkpoints(tmp_path) == {}
    line = tl.imagenet_download_line("resnet18")
    assert "ResNet18_Weights.DEFAULT" in line and "mobilenet_v2" in tl.imagenet_download_line("mobilenet_v2")
    import torchvision

    (tmp_path / "checkpoints").mkdir()
    torch.manual_seed(0)
    path = tmp_path / "checkpoints" / "mobilenet_v2-b0353104.pth"
    torch.save(torchvision.models.mobilenet_v2(weights=None).state_dict(), path)  # random stand-in, no download
    assert tl.imagenet_checkpoints(tmp_path) == {"mobilenet_v2": path}
    small = tl.TargetData("digits59", digits.x_train[::10], digits.y_train[::10], digits.x_test[:8],
                          digits.y_test[:8], digits.classes)
    acc, n = tl.imagenet_feature_extraction("mobilenet_v2", path, small, test_limit=8, epochs=5)
    assert n == 8 and 0 <= acc <= 1
