"""User CSV files: good files become Datasets, every bad one is a DatasetError with its own key."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.data import DatasetError, load_csv
from playground.i18n import catalogue

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent


def table(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def iris_like(n: int = 60) -> bytes:
    rng = np.random.default_rng(0)
    names = ["setosa", "versicolor", "virginica"]
    rows = [f"{rng.normal(i, 0.3):.3f},{rng.normal(-i, 0.3):.3f},{rng.uniform():.3f},{names[i]}"
            for i in (k % 3 for k in range(n))]
    return table("sepal_length,sepal_width,noise,species", rows)


def test_classification_with_text_classes():
    d = load_csv(iris_like())
    m = d.meta
    assert m["task"] == "classification" and m["classes"] == ["setosa", "versicolor", "virginica"]
    assert m["source"] == "source.upload" and m["target"] == "species"
    assert m["features"] == ["sepal_length", "sepal_width", "noise"] and m["input_shape"] == (3,)
    assert (m["n_train"], m["n_test"]) == (48, 12) and m["dropped_rows"] == 0
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert torch.bincount(d.y_test).tolist() == [4, 4, 4]  # stratified
    assert torch.allclose(d.x_train.mean(0), torch.zeros(3), atol=1e-5)
    assert len(m["mean"]) == len(m["std"]) == 3
    again = load_csv(iris_like())
    assert torch.equal(d.x_train, again.x_train) and torch.equal(d.y_test, again.y_test)


def test_regression_and_binary_are_inferred():
    rows = [f"{i},{i % 7},{i * 0.37:.2f}" for i in range(40)]
    d = load_csv(table("a,b,price", rows))
    assert d.meta["task"] == "regression" and d.meta["classes"] == [] and d.y_train.dtype == torch.float32
    binary = load_csv(table("a,b,ok", [f"{i},{i % 7},{i % 2}" for i in range(40)]))
    assert binary.meta["task"] == "binary" and binary.meta["classes"] == ["0", "1"]
    whole = load_csv(table("a,grade", [f"{i},{i % 5 + 1}" for i in range(40)]))
    assert whole.meta["task"] == "classification" and whole.meta["classes"] == ["1", "2", "3", "4", "5"]
    many = load_csv(table("a,age", [f"{i},{i % 30}" for i in range(60)]))  # > 20 whole values: a quantity
    assert many.meta["task"] == "regression"
    forced = load_csv(table("a,age", [f"{i},{i % 30}" for i in range(60)]), task="classification")
    assert forced.meta["task"] == "classification" and len(forced.meta["classes"]) == 30


def test_target_choice_missing_values_and_formats():
    rows = [f"{'' if i % 10 == 0 else i},{i % 3},{i % 2}" for i in range(50)]
    d = load_csv(table("x,kind,flag", rows), target="kind")
    assert d.meta["target"] == "kind" and d.meta["features"] == ["x", "flag"]
    assert d.meta["dropped_rows"] == 5 and d.meta["n_train"] + d.meta["n_test"] == 45
    # semicolons with decimal commas (a Spanish spreadsheet), a BOM, and no header row
    semi = load_csv(("\ufeff" + "largo;ancho;clase\n" + "".join(f"{i},5;{i % 4},25;{i % 2}\n" for i in range(30)))
                    .encode())
    assert semi.meta["features"] == ["largo", "ancho"] and semi.meta["task"] == "binary"
    raw = semi.x_train[:, 0].double() * semi.meta["std"][0] + semi.meta["mean"][0]
    assert torch.allclose(raw - raw.floor(), torch.full_like(raw, 0.5), atol=1e-4)  # "3,5" read as 3.5
    bare = load_csv("".join(f"{i},{i * 2},{i % 2}\n" for i in range(30)).encode())
    assert bare.meta["features"] == ["col1", "col2"] and bare.meta["n_train"] + bare.meta["n_test"] == 30
    # true/false features, latin-1 text and an uploaded-file object
    flags = load_csv(table("año,activo,y", [f"{i},{'True' if i % 3 else 'False'},{i % 2}" for i in range(30)])
                     .decode().encode("latin-1"))
    assert flags.meta["features"] == ["año", "activo"]
    assert load_csv(io.BytesIO(iris_like())).meta["n_train"] == 48


BAD = [
    ("too_big", b"a,b\n" + b"1,2\n" * 200, {"max_bytes": 100}, "csv.too_big"),
    ("empty", b"", {}, "csv.empty"),
    ("blank", b"   \n\n  \n", {}, "csv.empty"),
    ("header_only", b"a,b,c\n", {}, "csv.no_rows"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, {}, "csv.binary"),
    ("control_chars", bytes(range(1, 32)) * 40, {}, "csv.binary"),
    ("bad_encoding", b"a,b\n\x81\x8d,2\n" * 20, {}, "csv.encoding"),
    ("ragged", table("a,b,c", ["1,2,3"] * 20 + ["1,2,3,4"]), {}, "csv.ragged"),
    ("short_row", table("a,b,c", ["1,2,3"] * 5 + ["1,2"] + ["1,2,3"] * 10), {}, "csv.ragged"),
    ("missing_target", table("a,b", ["1,2"] * 20), {"target": "label"}, "csv.no_target"),
    ("non_numeric", table("a,name,city,y", [f"{i},n{i},c{i % 3},{i % 2}" for i in range(20)]), {},
     "csv.non_numeric"),
    ("too_few_rows", table("a,y", ["1,0", "2,1", "3,0"]), {}, "csv.too_few_rows"),
    ("too_few_after_dropping", table("a,y", [f"{'' if i % 2 else i},{i % 2}" for i in range(15)]), {},
     "csv.too_few_rows"),
    ("one_column", table("a", [str(i) for i in range(20)]), {}, "csv.one_column"),
    ("empty_column", table("a,b,y", [f"{i},,{i % 2}" for i in range(20)]), {}, "csv.empty_columns"),
    ("too_many_rows", table("a,y", [f"{i},{i % 2}" for i in range(30)]), {"max_rows": 20}, "csv.too_many_rows"),
    ("too_many_features", table("a,b,c,y", ["1,2,3,0", "1,2,3,1"] * 10), {"max_features": 2},
     "csv.too_many_features"),
    ("one_class", table("a,y", [f"{i},1" for i in range(20)]), {}, "csv.one_class"),
    ("not_binary", table("a,y", [f"{i},{i % 3}" for i in range(30)]), {"task": "binary"}, "csv.not_binary"),
    ("text_regression", table("a,y", [f"{i},{'ab'[i % 2]}" for i in range(30)]), {"task": "regression"},
     "csv.target_not_numeric"),
    ("too_many_classes", table("a,y", [f"{i},k{i}" for i in range(150)]), {}, "csv.too_many_classes"),
    ("bad_task", iris_like(), {"task": "clustering"}, "csv.bad_task"),
    ("not_bytes", "a,b\n1,2\n", {}, "csv.not_bytes"),
]


@pytest.mark.parametrize(("label", "data", "options", "key"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_say_what_to_change(label, data, options, key):
    with pytest.raises(DatasetError) as err:
        load_csv(data, **options)
    assert err.value.key == key
    en, es = err.value.message("en"), err.value.message("es")
    assert key in catalogue("en") and key in catalogue("es")
    assert en != es and "{" not in en and "{" not in es


def test_error_messages_name_the_columns():
    with pytest.raises(DatasetError) as err:
        load_csv(table("a,name,city,y", [f"{i},n{i},c{i % 3},{i % 2}" for i in range(20)]))
    assert "name, city" in err.value.message("es") and "name, city" in err.value.message("en")
    with pytest.raises(DatasetError) as err:
        load_csv(table("a,b", ["1,2"] * 20), target="label")
    assert "'label'" in err.value.message("en") and "a, b" in err.value.message("en")


def test_every_csv_key_is_translated():
    text = (ROOT / "playground" / "data" / "csv_upload.py").read_text(encoding="utf-8")
    keys = set(re.findall(r"""DatasetError\(\s*["']([a-z0-9_.]+)["']""", text))
    assert {b[3] for b in BAD} <= keys
    assert all(k in catalogue("en") and k in catalogue("es") for k in keys)
