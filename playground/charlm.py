"""A character-level language model: read text one character at a time, predict the next one.

The model is an embedding, one recurrent layer (simple RNN, LSTM or GRU) and a linear layer that
scores every character of the text's alphabet. Sampling divides those scores by a temperature
before the softmax: below 1 the likeliest characters win more often (safe, repetitive text), above
1 the distribution flattens (surprising text, more spelling mistakes).
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

KINDS: tuple[str, ...] = ("rnn", "lstm", "gru")
_MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
MIN_CHARS = 200
MAX_CHARS = 100_000
MAX_ALPHABET = 200
DIVERGENCE_FACTOR = 1000.0


class CharLMError(ValueError):
    """Unusable text or settings; ``key``/``kwargs`` name a message that says what to change."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


@dataclass(frozen=True)
class CharConfig:
    kind: str = "lstm"
    hidden: int = 128
    embed: int = 16
    seq_len: int = 64  # characters per training chunk (backpropagation through time this far)
    steps: int = 300
    batch_size: int = 32
    lr: float = 0.005
    seed: int = 0
    threads: int | None = None
    report_every: int = 10


class CharLM(nn.Module):
    """Embedding -> recurrent layer -> linear scores over the alphabet.

    ``forward(x (B, T) ids, state)`` returns logits (B, T, V) and the new state.
    """

    def __init__(self, vocab: int, kind: str = "lstm", hidden: int = 128, embed: int = 16):
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = _MODULES[kind](embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, state=None):
        e = self.embed(x)  # (B, T, E)
        out, state = self.rnn(e, state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)


def alphabet(text: str) -> list[str]:
    """The distinct characters of ``text``, sorted: index -> character."""
    return sorted(set(text))


def check_text(text: str) -> str:
    """``text`` stripped, or CharLMError when it is too short, too long or has too many distinct characters."""
    text = (text or "").strip()
    if len(text) < MIN_CHARS:
        raise CharLMError("rnn.lm.too_short", n=len(text), min=MIN_CHARS)
    if len(text) > MAX_CHARS:
        raise CharLMError("rnn.lm.too_long", n=len(text), max=MAX_CHARS)
    n = len(set(text))
    if n > MAX_ALPHABET:
        raise CharLMError("rnn.lm.alphabet", n=n, max=MAX_ALPHABET)
    return text


def encode_chars(text: str, chars: list[str]) -> torch.Tensor:
    """Character ids (len(text),) int64; characters outside ``chars`` are skipped."""
    index = {c: i for i, c in enumerate(chars)}
    return torch.tensor([index[c] for c in text if c in index], dtype=torch.int64)


@dataclass(frozen=True)
class CharStep:
    step: int
    total: int
    loss: float


@dataclass(frozen=True)
class CharDone:
    """The end of a run (finished, stopped or diverged): the model is usable in every case."""

    model: CharLM
    chars: list
    losses: tuple  # (step, loss) pairs
    reason: str


def train_charlm(text: str, config: CharConfig = CharConfig(), stop=None) -> Iterator:
    """Train a CharLM on random chunks of ``text``; yields CharStep every ``report_every`` steps and a CharDone.

    Bad text or settings yield one ErrorEvent. A loss that becomes NaN or explodes ends the run with
    the last good weights (``reason="diverged"``).
    """
    from playground.device import job_threads
    from playground.training import ErrorEvent

    torch.set_num_threads(config.threads or job_threads())
    try:
        text = check_text(text)
        if config.kind not in KINDS:
            raise CharLMError("rnn.lm.bad_kind", kind=config.kind, kinds=", ".join(KINDS))
        if not (math.isfinite(config.lr) and config.lr > 0):
            raise CharLMError("rnn.series.bad_lr", lr=config.lr)
    except CharLMError as exc:
        yield ErrorEvent(exc.key, exc.kwargs)
        return
    chars = alphabet(text)
    data = encode_chars(text, chars)  # (N,)
    seq = min(config.seq_len, len(data) - 1)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    model = CharLM(len(chars), config.kind, config.hidden, config.embed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    good = {k: v.clone() for k, v in model.state_dict().items()}
    losses: list[tuple[int, float]] = []
    offsets = torch.arange(seq + 1)  # (T+1,)
    first, recent, reason = None, [], "finished"
    model.train()
    for step in range(1, config.steps + 1):
        if stop is not None and stop.is_set():
            reason = "stopped"
            break
        starts = torch.randint(0, len(data) - seq, (config.batch_size,), generator=gen)  # (B,)
        chunk = data[starts[:, None] + offsets]  # (B, T+1)
        logits, _ = model(chunk[:, :-1])  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), chunk[:, 1:].reshape(-1))
        value = float(loss.detach())
        first = value if first is None else first
        if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first, 1.0):
            model.load_state_dict(good)
            reason = "diverged"
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)  # the usual guard against exploding gradients
        optimizer.step()
        recent.append(value)
        if step % config.report_every == 0 or step == config.steps:
            good = {k: v.clone() for k, v in model.state_dict().items()}
            losses.append((step, float(np.mean(recent))))
            recent = []
            yield CharStep(step, config.steps, losses[-1][1])
    model.eval()
    yield CharDone(model, chars, tuple(losses), reason)


def next_char_probs(model: CharLM, chars: list[str], prompt: str, temperature: float = 1.0) -> np.ndarray:
    """Probabilities (V,) of the character after ``prompt`` at ``temperature``."""
    check_temperature(temperature)
    ids = encode_chars(prompt, chars)
    with torch.no_grad():
        if len(ids) == 0:
            return np.full(len(chars), 1.0 / len(chars))
        logits, _ = model.eval()(ids[None])  # (1, T, V)
        return torch.softmax(logits[0, -1] / temperature, dim=-1).numpy()


def check_temperature(temperature: float) -> None:
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and 0.05 <= temperature <= 5):
        raise CharLMError("rnn.lm.bad_temperature", value=temperature)


def sample(model: CharLM, chars: list[str], prompt: str, length: int = 300, temperature: float = 0.8,
           seed: int = 0) -> str:
    """``length`` new characters after ``prompt``, each drawn from softmax(scores / temperature).

    The prompt is read first (its characters outside the alphabet are skipped); an empty prompt
    starts from a random character. The same seed gives the same text.
    """
    check_temperature(temperature)
    gen = torch.Generator().manual_seed(seed)
    ids = encode_chars(prompt, chars)
    if len(ids) == 0:
        ids = torch.randint(0, len(chars), (1,), generator=gen)
    out = []
    with torch.no_grad():
        model.eval()
        logits, state = model(ids[None])  # read the whole prompt: (1, T, V)
        for _ in range(length):
            probs = torch.softmax(logits[0, -1] / temperature, dim=-1)  # (V,)
            nxt = torch.multinomial(probs, 1, generator=gen)  # (1,)
            out.append(chars[int(nxt)])
            logits, state = model(nxt[None], state)  # one more step: (1, 1, V)
    return "".join(out)


def quick_charlm(text: str, config: CharConfig = CharConfig()) -> CharDone:
    """Train to the end on one thread and return the CharDone (tests, first views)."""
    events = list(train_charlm(text, replace(config, threads=config.threads or 1)))
    last = events[-1]
    if not isinstance(last, CharDone):
        raise CharLMError(last.key, **last.kwargs)
    return last
