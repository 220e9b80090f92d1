"""What the /transformer page shows, computed without Streamlit.

``pages/_transformer_widgets.py`` keeps every Streamlit call and the session's state; this module owns the
page's option tables and turns settings, typed inputs and a training job's events into the arrays, labels and
run records it draws. Everything here takes plain arguments and returns plain values, so it is unit-tested.
Texts are translated through a ``tr(key, **kwargs)`` the page passes in.

>>> parse_digits("3 1 4", 3).tolist()
[[3, 1, 4]]
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from playground import runs
from playground.attention import (
    AttentionError,
    AttentionSteps,
    attention_steps,
    embed_words,
    position_similarity,
    projections,
    sinusoidal_encoding,
    split_words,
)
from playground.seqtasks import (
    DIGIT_TASKS,
    SeqConfig,
    SeqTaskError,
    SnapshotEvent,
    TaskData,
    TinyTransformer,
    alignment,
    attention_maps,
    build_model,
    check_config,
    quick_model,
    target_attention,
    task_data,
)
from playground.training import DoneEvent, ErrorEvent

Translate = Callable[..., str]

DIMS: tuple[int, ...] = (4, 6, 8, 12, 16)  # widths of the step-by-step head
MAX_TEXT = 200  # characters of the typed sentence (MAX_WORDS words are used; a link carries it whole)
DEFAULT_REVIEW = {"en": "the movie was not good at all", "es": "la película no fue nada buena"}
DEMO_CONFIG = SeqConfig(task="reverse", epochs=4, threads=1)  # the heads tab's model before the student trains one
EXAMPLE_SEED = 7  # seeds the digits first shown in the heads tab


# ---------------------------------------------------------------- 1. and 2. attention steps, positions


def sentence_attention(text: str, dim: int, kind: str, seed: int, add_pe: bool,
                       causal: bool) -> tuple[list[str], AttentionSteps, bool]:
    """The words of ``text``, every step of one attention head over them, and whether words were left out.

    Raises AttentionError when the text has no word.
    """
    words = split_words(text)
    truncated = len(split_words(text, max_words=10_000)) > len(words)
    x = embed_words(words, dim) + (sinusoidal_encoding(len(words), dim) if add_pe else 0.0)  # (T, d)
    return words, attention_steps(x, *projections(dim, kind, int(seed)), causal=causal), truncated


def step_texts(add_pe: bool, causal: bool, kind: str, dim: int,
               scale: float) -> tuple[tuple[str, str, str, dict], ...]:
    """The seven steps' (title key, LaTeX formula, note key, note arguments) for these settings."""
    mask = r"M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}" if causal else r"M = 0"
    return (
        ("transformer.step1", r"X = E_{\text{word}} + PE" if add_pe else r"X = E_{\text{word}}",
         "transformer.step1.note" if add_pe else "transformer.step1.note_nope", {}),
        ("transformer.step2", r"Q = XW_Q \qquad K = XW_K \qquad V = XW_V", f"transformer.step2.note.{kind}", {}),
        ("transformer.step3", r"S = QK^{\top}", "transformer.step3.note", {}),
        ("transformer.step4", rf"S' = \frac{{S}}{{\sqrt{{d_k}}}} = \frac{{S}}{{\sqrt{{{dim}}}}}",
         "transformer.step4.note", {"scale": f"{scale:.2f}"}),
        ("transformer.step5", mask, "transformer.step5.note" if causal else "transformer.step5.note_off", {}),
        ("transformer.step6", r"A_{ij} = \frac{e^{S'_{ij} + M_{ij}}}{\sum_k e^{S'_{ik} + M_{ik}}}",
         "transformer.step6.note", {}),
        ("transformer.step7", r"Z = AV", "transformer.step7.note", {}),
    )


def positional_tables(length: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """The sinusoidal table (T, d) and the similarity between its positions (T, T)."""
    table = sinusoidal_encoding(length, dim)
    return table, position_similarity(table)


# ---------------------------------------------------------------- 3. heads of a trained model


def model_record(model: TinyTransformer, config: SeqConfig, vocab: list[str] | None = None) -> dict:
    """The form in which the page keeps a trained model (its own or the demo one)."""
    return {"model": model, "config": config, "vocab": vocab, "classes": None}


def demo_weights(config: SeqConfig = DEMO_CONFIG) -> tuple[dict, SeqConfig]:
    """Weights of a tiny Transformer trained on ``config`` (reverse: about a second, seeded), detached copies."""
    model, _ = quick_model(config)
    return {k: v.clone() for k, v in model.state_dict().items()}, config


def demo_copy(state: dict, config: SeqConfig) -> dict:
    """A model of its own (attention buffers included) loaded with ``state``, in eval mode, as a record."""
    model = build_model(config)
    model.load_state_dict(state)
    return model_record(model.eval(), config)


def grid_titles(attn: np.ndarray, share: np.ndarray | None, tr: Translate) -> list[str]:
    """One title per map of the layers × heads grid of ``attn`` (L, H, ...), with its share when given."""
    layers, heads = attn.shape[:2]
    if share is None:
        return [tr("transformer.grid.head", layer=li + 1, head=hi + 1) for li in range(layers) for hi in range(heads)]
    return [tr("transformer.grid.head_share", layer=li + 1, head=hi + 1, share=f"{share[li, hi]:.0%}")
            for li in range(layers) for hi in range(heads)]


def grid_note(task: str, tr: Translate) -> str:
    """The note under a head grid: digit tasks have a right answer (outlined), text has none."""
    return tr("transformer.grid.note" if task in DIGIT_TASKS else "transformer.grid.note_text")


def example_digits(length: int, seed: int = EXAMPLE_SEED) -> str:
    """``length`` seeded random digits separated by spaces: the heads tab's first input."""
    digits = torch.randint(0, 10, (length,), generator=torch.Generator().manual_seed(seed))
    return " ".join(str(int(d)) for d in digits)


def parse_digits(text: str, length: int) -> torch.Tensor:
    """The digits of ``text`` as a (1, length) int64 tensor; any separator but letters is fine.

    Raises SeqTaskError when there are not exactly ``length`` digits or there is a letter.
    """
    digits = [int(ch) for ch in text if ch.isdigit()]
    if len(digits) != length or any(ch.isalpha() for ch in text):
        raise SeqTaskError("transformer.err.digits", length=length)
    return torch.tensor(digits)[None]  # (1, T)


@dataclass(frozen=True)
class DigitReading:
    """What a digit model does with one input: its attention and how it compares with the right one."""

    attention: np.ndarray  # (L, H, T, T)
    tokens: list[str]  # the input digits
    prediction: list[int]  # one output digit per position
    right: int  # outputs equal to the task's right answer
    out_labels: list[str]  # "position→output", the rows of the grid
    share: np.ndarray  # (L, H) attention on the right positions
    target: np.ndarray  # (T, T) bool, where attention should look


def read_digits(model: TinyTransformer, task: str, x: torch.Tensor) -> DigitReading:
    """Run ``model`` on ``x`` (1, T) of the digit ``task``."""
    attn, pred = attention_maps(model, x)  # (L, 1, H, T, T), (1, T)
    target = target_attention(task, x)  # (1, T, T)
    tokens = [str(int(d)) for d in x[0]]
    answer = torch.from_numpy(np.asarray(target[0])).float().argmax(-1).tolist()  # first right position per row
    expected = [tokens[j] for j in answer]
    prediction = [int(p) for p in pred[0]]
    right = sum(p == int(e) for p, e in zip(prediction, expected))
    return DigitReading(attn[:, 0], tokens, prediction, right, [f"{i}→{p}" for i, p in enumerate(prediction)],
                        alignment(attn, target), target[0])


def read_review(model: TinyTransformer, vocab: list[str], text: str) -> tuple[np.ndarray, list[str], int]:
    """Attention (L, H, t, t) of a sentiment ``model`` over the words of ``text`` (padding left out), those
    words (unknown ones as ``<unk>``) and the predicted class. Raises AttentionError when no word is left."""
    from playground.data.text import encode

    x = torch.as_tensor(np.asarray(encode([text], vocab, model.position.table.shape[0])))  # (1, T)
    keep = (x[0] != 0).nonzero().flatten().tolist()
    if not keep:
        raise AttentionError("transformer.err.no_words")
    attn, pred = attention_maps(model, x)  # (L, 1, H, T, T), (1,)
    words = [vocab[int(x[0, j])] for j in keep]
    return attn[:, 0][:, :, keep][:, :, :, keep], words, int(pred[0])


# ---------------------------------------------------------------- 4. training live


def train_config(task: str, length: int, dim: int, heads: int, layers: int, lr: float, epochs: int,
                 seed: int) -> SeqConfig:
    """The run the training settings describe."""
    # 368 training reviews make only 6 batches of 64 per epoch: batches of 16 give the sentiment model 4x the steps.
    return SeqConfig(task=task, length=int(length), dim=int(dim), heads=int(heads), layers=int(layers), lr=float(lr),
                     epochs=int(epochs), seed=int(seed), batch_size=16 if task == "sentiment" else 64)


def load_sentiment():
    """The shipped sentiment Dataset as the tiny Transformer reads it (raises DatasetError when it is missing)."""
    from playground.data import load_dataset

    return load_dataset("sentiment", lang="both", max_len=32, seed=0)


def sentiment_task_data(dataset) -> TaskData:
    """The loaded sentiment Dataset as the tensors and vocabulary the tiny Transformer trains on."""
    return TaskData(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test, list(dataset.meta["vocab"]))


def checked_data(config: SeqConfig, load: Callable = load_sentiment) -> TaskData | None:
    """Check ``config`` (SeqTaskError) and, for sentiment, return the set ``load()`` gives (which may raise
    DatasetError); None for the digit tasks, whose sequences are drawn when a run starts."""
    check_config(config)
    return sentiment_task_data(load()) if config.task == "sentiment" else None


def start_data(config: SeqConfig, data: TaskData | None) -> TaskData:
    """What a run of ``config`` trains on: the sentiment ``data``, or the seeded digit sequences of ``config``."""
    return data if data is not None else task_data(config)


def add_run(all_runs: list[dict], config: SeqConfig) -> dict:
    """A new queued run record for ``config``, numbered after ``all_runs`` and appended to it."""
    run = runs.new_run(len(all_runs) + 1, config.to_dict(), config.task, config)
    all_runs.append(run)
    return run


def fold_events(run: dict, events: Iterable, config: SeqConfig, vocab: list[str] | None,
                now: float | None = None) -> tuple[list[SnapshotEvent], dict | None]:
    """Fold a job's drained ``events`` into ``run`` (in place, as ``runs.apply_event`` does).

    Returns the snapshots among them, in order, and the record of the model the last DoneEvent or
    ErrorEvent carries (trained with ``config`` on ``vocab``), or None when none carries one.
    """
    snaps, model = [], None
    for event in events:
        runs.apply_event(run, event, now)
        if isinstance(event, SnapshotEvent):
            snaps.append(event)
        elif isinstance(event, (DoneEvent, ErrorEvent)) and event.model is not None:
            model = model_record(event.model, config, vocab)
    return snaps, model


def end_run(run: dict, error: str | None) -> None:
    """Mark ``run`` crashed when its job ended with ``error`` (an exception the trainer did not turn into
    an ErrorEvent); nothing otherwise."""
    if error:
        run.update(status="error", error=("train.crashed", {"detail": error[:120]}))


def progress_bar(run: dict, tr: Translate) -> tuple[float, str]:
    """The progress bar of ``run``: the share of steps done and its text (how the run ended, once it has)."""
    text = tr("transformer.train.progress", step=run["step"], total=run["total_steps"] or "?")
    if run["status"] not in ("queued", "running"):
        text += " · " + tr(f"train.status.{run['status']}")
    return runs.progress(run), text


def curve_labels(tr: Translate) -> dict[str, str]:
    """Labels of the loss and accuracy curves (the accuracy is per token)."""
    labels = {k: tr(f"train.curve.{k}") for k in ("loss", "epoch", "train", "val")}
    labels["accuracy"] = tr("transformer.train.token_acc")
    return labels


def alignment_history(snaps: list[SnapshotEvent], tr: Translate) -> tuple[list[int], np.ndarray, list[float], dict]:
    """The arguments of the alignment chart: steps, shares (S, L, H), accuracies and labels of the snapshots."""
    labels = {"step": tr("transformer.train.step"), "share": tr("transformer.train.share"),
              "accuracy": tr("transformer.train.token_acc"), "head": tr("transformer.grid.head")}
    return [s.step for s in snaps], np.stack([s.alignment for s in snaps]), [s.accuracy for s in snaps], labels


def snapshot_labels(task: str, example, vocab: list[str] | None,
                    snap: SnapshotEvent) -> tuple[np.ndarray, list[str], list[str], np.ndarray | None]:
    """What the grid draws for one snapshot of the fixed ``example`` (T,): attention (L, H, t, t), input
    labels, output labels and the right attention (None for sentiment, whose padding is left out)."""
    if task == "sentiment":
        vocab = vocab or []
        keep = [j for j, i in enumerate(example) if int(i) != 0]
        words = [vocab[int(example[j])] if int(example[j]) < len(vocab) else "?" for j in keep]
        return snap.attention[:, :, keep][:, :, :, keep], words, words, None
    tokens = [str(int(d)) for d in example]
    out_labels = [f"{i}→{int(p)}" for i, p in enumerate(snap.prediction)]
    return snap.attention, tokens, out_labels, target_attention(task, example)[0]
