"""The project's bilingual sentiment set and a word tokenizer for it.

``assets/data/sentiment.csv`` holds short sentences written for the project (columns ``text``,
``label`` = negative|positive, ``lang`` = es|en), about films, food, school, weather, travel ...,
with negations ("no me gustó", "not bad at all") so that word order matters.

Words become ids through a vocabulary built from the TRAINING split only: index 0 is padding
(``<pad>``), 1 is an unknown word (``<unk>``); sentences are cut or padded with 0 at the end to
``max_len`` ids, as Keras' ``pad_sequences(padding="post")`` in the notes.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from playground.data import Dataset, DatasetError
from playground.data._common import check_float, check_int, check_seed, split

SENTIMENT_CSV = Path(__file__).resolve().parents[2] / "assets" / "data" / "sentiment.csv"
PAD, UNK = "<pad>", "<unk>"
CLASSES = ("negative", "positive")
LANGS = ("both", "es", "en")
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)  # runs of letters (accents kept) or of digits


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text``; punctuation is dropped, accents are kept.

    >>> tokenize("¡No me gustó NADA, 2 veces!")
    ['no', 'me', 'gustó', 'nada', '2', 'veces']
    """
    return _WORD.findall(str(text).lower())


def build_vocab(texts: list[str], min_count: int = 1) -> list[str]:
    """index -> word: ``<pad>``, ``<unk>``, then the words of ``texts`` by falling count (ties alphabetical)."""
    counts = Counter(word for text in texts for word in tokenize(text))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, UNK, *words]


def encode(texts: list[str], vocab: list[str], max_len: int) -> torch.Tensor:
    """Token ids (len(texts), max_len) int64: unknown words -> 1, cut at ``max_len``, padded with 0 at the end."""
    index = {word: i for i, word in enumerate(vocab)}
    out = torch.zeros((len(texts), max_len), dtype=torch.int64)
    for row, text in enumerate(texts):
        ids = [index.get(word, 1) for word in tokenize(text)][:max_len]
        if ids:
            out[row, :len(ids)] = torch.tensor(ids, dtype=torch.int64)
    return out


def read_sentiment(path: Path = SENTIMENT_CSV) -> tuple[list[str], np.ndarray, list[str]]:
    """The shipped sentences: texts, labels (0 negative, 1 positive) and languages."""
    if not path.exists():
        raise DatasetError("rnn.data.missing", path=str(path))
    texts, labels, langs = [], [], []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["text"])
            labels.append(CLASSES.index(row["label"]))
            langs.append(row["lang"])
    return texts, np.asarray(labels, dtype=np.int64), langs


def load_sentiment(*, lang: str = "both", max_len: int = 50, seed: int = 0, test_size: float = 0.2) -> Dataset:
    """The sentiment set as padded token ids (see the module docstring); a seeded, stratified split.

    ``lang``: both, es or en. meta adds ``vocab``, ``texts_train``/``texts_test``, ``langs_test``
    and ``class_keys``. The default ``max_len`` (50) is the notes' and the Build page's input length.
    """
    if lang not in LANGS:
        raise DatasetError("rnn.data.bad_lang", value=lang, langs=", ".join(LANGS))
    max_len = check_int("sentiment", "max_len", max_len, 1, 512)
    seed = check_seed("sentiment", seed)
    test_size = check_float("sentiment", "test_size", test_size, 0.05, 0.5)
    texts, labels, langs = read_sentiment()
    keep = [i for i, lg in enumerate(langs) if lang == "both" or lg == lang]
    idx = np.asarray(keep)
    # Stratify on label and language together, so both languages keep their share on both sides.
    strata = np.asarray([f"{labels[i]}{langs[i]}" for i in keep])
    train_idx, test_idx, _, _ = split(idx, strata, test_size, seed)
    texts_train = [texts[i] for i in train_idx]
    texts_test = [texts[i] for i in test_idx]
    vocab = build_vocab(texts_train)
    x_train, x_test = encode(texts_train, vocab, max_len), encode(texts_test, vocab, max_len)
    y_train = torch.as_tensor(labels[train_idx], dtype=torch.int64)
    y_test = torch.as_tensor(labels[test_idx], dtype=torch.int64)
    meta = {
        "name": "sentiment",
        "source": "source.project_sentiment",
        "classes": list(CLASSES),
        "class_keys": [f"rnn.sentiment.{c}" for c in CLASSES],
        "input_shape": (max_len,),
        "task": "binary",
        "n_train": len(x_train),
        "n_test": len(x_test),
        "vocab": vocab,
        "texts_train": texts_train,
        "texts_test": texts_test,
        "langs_train": [langs[i] for i in train_idx],
        "langs_test": [langs[i] for i in test_idx],
        "lang": lang,
    }
    return Dataset(x_train, y_train, x_test, y_test, meta)
