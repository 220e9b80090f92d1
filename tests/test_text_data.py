"""The shipped sentiment sentences and the word tokenizer (the contract the /transformer page builds on)."""
from __future__ import annotations

import csv
from collections import Counter

import pytest
import torch

from playground.data import DATASETS, DatasetError, load_dataset
from playground.data.text import SENTIMENT_CSV, build_vocab, encode, tokenize
from playground.i18n import catalogue


def _rows() -> list[dict]:
    with open(SENTIMENT_CSV, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_shipped_set_is_large_balanced_bilingual_and_has_negations():
    rows = _rows()
    assert len(rows) >= 300 and len({r["text"] for r in rows}) == len(rows)
    counts = Counter((r["lang"], r["label"]) for r in rows)
    assert set(counts) == {(lg, lb) for lg in ("es", "en") for lb in ("negative", "positive")}
    assert max(counts.values()) - min(counts.values()) <= 0.1 * len(rows) / 4
    texts = " ".join(r["text"].lower() for r in rows)
    assert "no me gustó" in texts and "not bad at all" in texts and "nada mal" in texts


def test_tokenize_keeps_accents_and_drops_punctuation():
    assert tokenize("¡No me GUSTÓ nada, 2 veces!") == ["no", "me", "gustó", "nada", "2", "veces"]
    assert tokenize("It's... fine") == ["it", "s", "fine"]
    assert tokenize("  ?! ") == []


def test_encode_pads_at_the_end_and_marks_unknown_words():
    vocab = build_vocab(["a b b", "c"])
    assert vocab[:2] == ["<pad>", "<unk>"] and vocab[2] == "b"  # most frequent first
    x = encode(["b a zzz", "c c c c c c"], vocab, 4)
    assert x.dtype == torch.int64 and x.shape == (2, 4)
    assert x[0].tolist() == [vocab.index("b"), vocab.index("a"), 1, 0]
    assert x[1].tolist() == [vocab.index("c")] * 4  # cut at max_len


def test_contract_of_the_sentiment_dataset():
    d = load_dataset("sentiment", lang="both", max_len=32, seed=0, test_size=0.2)
    meta = d.meta
    assert d.x_train.dtype == d.x_test.dtype == d.y_train.dtype == torch.int64
    assert d.x_train.shape[1] == d.x_test.shape[1] == 32 and meta["input_shape"] == (32,)
    assert meta["name"] == "sentiment" and meta["task"] == "binary" == DATASETS["sentiment"].task
    assert meta["classes"] == ["negative", "positive"]
    assert all(k in catalogue("en") and k in catalogue("es") for k in meta["class_keys"] + [meta["source"]])
    assert meta["vocab"][:2] == ["<pad>", "<unk>"] and int(d.x_train.max()) < len(meta["vocab"])
    assert meta["n_train"] == len(d.x_train) == len(meta["texts_train"])
    assert meta["n_test"] == len(d.x_test) == len(meta["texts_test"]) == len(meta["langs_test"])
    assert set(meta["langs_test"]) == {"es", "en"}
    assert set(d.y_train.tolist()) == {0, 1}
    assert abs(d.y_test.float().mean().item() - 0.5) < 0.05  # stratified
    # padding only at the end: once a 0 appears, only 0 follow
    for row in d.x_train:
        ids = row.tolist()
        if 0 in ids:
            assert set(ids[ids.index(0):]) == {0}


def test_vocabulary_comes_from_the_training_split_only():
    d = load_dataset("sentiment", max_len=32)
    train_words = {w for text in d.meta["texts_train"] for w in tokenize(text)}
    assert set(d.meta["vocab"][2:]) == train_words
    unseen = [w for text in d.meta["texts_test"] for w in tokenize(text) if w not in train_words]
    assert unseen and int((d.x_test == 1).sum()) == len(unseen)  # every unseen test word reads as <unk>


def test_split_is_seeded_and_languages_filter():
    a, b, c = (load_dataset("sentiment", seed=s, max_len=16) for s in (0, 0, 1))
    assert a.meta["texts_test"] == b.meta["texts_test"] and a.meta["texts_test"] != c.meta["texts_test"]
    es = load_dataset("sentiment", lang="es", max_len=16)
    assert set(es.meta["langs_test"]) == {"es"} and len(es) + es.meta["n_test"] == len(_rows()) // 2
    assert load_dataset("sentiment").x_train.shape[1] == DATASETS["sentiment"].input_shape[0]  # the Build page's 50


@pytest.mark.parametrize("options", [{"lang": "fr"}, {"max_len": 0}, {"test_size": 0.9}])
def test_bad_options_are_dataset_errors(options):
    with pytest.raises(DatasetError) as err:
        load_dataset("sentiment", **options)
    assert err.value.message("es") != err.value.message("en")
