"""Teacher links: the state of the Build page in the URL, plus controls a teacher locks or hides.

As in TensorFlow Playground, everything a student set lives in the query string, so a link reproduces
it. A teacher adds ``lock=`` and ``hide=`` lists of control names::

    /build?spec=...&dataset=xor&epochs=5&lr=0.03&optimizer=sgd&lock=layers,dataset&hide=code,regularisation

``CONTROLS`` is the one registry: the page's widget keys, the URL names, how a value is read from text
and which values are allowed. ``read_state`` never raises: a bad value is dropped and reported, so a
mistyped link still opens.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from playground.data import DATASETS
from playground.training import BACKENDS, OPTIMIZERS, SCHEDULES

BATCH_SIZES = (16, 32, 64, 128, 256)
LRS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0, 1e3, 1e6)


@dataclass(frozen=True)
class Control:
    """A value the URL may carry: ``name`` in the URL, ``key`` in the page's session state."""

    name: str
    key: str
    parse: Callable[[str], object]
    allowed: Callable[[object], bool]


def _choice(options) -> Callable[[object], bool]:
    return lambda v: v in options


CONTROLS: dict[str, Control] = {c.name: c for c in (
    Control("dataset", "build.dataset", str, _choice(tuple(DATASETS) + ("custom",))),
    Control("epochs", "train.epochs", int, lambda v: 1 <= v <= 100),
    Control("batch_size", "train.batch_size", int, _choice(BATCH_SIZES)),
    Control("lr", "train.lr", float, _choice(LRS)),
    Control("optimizer", "train.optimizer", str, _choice(OPTIMIZERS)),
    Control("schedule", "train.schedule", str, _choice(SCHEDULES)),
    Control("seed", "train.seed", int, lambda v: 0 <= v <= 10_000),
    Control("backend", "train.backend", str, _choice(BACKENDS)),
)}

# Parts of the page a teacher may lock (visible, not editable) or hide. Values are what each covers.
LOCKABLE: tuple[str, ...] = ("layers", *CONTROLS, "regularisation")
HIDEABLE: tuple[str, ...] = ("code", "summary", "diagram", "backend", "regularisation", "device", "save")


@dataclass(frozen=True)
class LinkState:
    """What a link asks for: ``values`` by session-state key, locked and hidden names, and the names dropped."""

    values: dict
    locked: frozenset[str]
    hidden: frozenset[str]
    dropped: tuple[str, ...]


def _names(raw: str | None, known: tuple[str, ...], dropped: list[str], what: str) -> frozenset[str]:
    names = {n.strip() for n in (raw or "").split(",") if n.strip()}
    dropped += [f"{what}={n}" for n in sorted(names - set(known))]
    return frozenset(names & set(known))


def read_values(params: Mapping[str, str], controls) -> tuple[dict, list[str]]:
    """The values of ``controls`` (an iterable of Control) found in ``params``, by session-state key,
    and the ``name=value`` texts dropped because they did not parse or are not allowed."""
    values, dropped = {}, []
    for control in controls:
        if control.name not in params:
            continue
        raw = params[control.name]
        try:
            value = control.parse(raw)
        except (TypeError, ValueError):
            dropped.append(f"{control.name}={raw}")
            continue
        if control.allowed(value):
            values[control.key] = value
        else:
            dropped.append(f"{control.name}={raw}")
    return values, dropped


def choice(name: str, key: str, options, parse: Callable[[str], object] = str) -> Control:
    """A URL control whose value must be one of ``options`` (what a selectbox or radio offers)."""
    return Control(name, key, parse, _choice(tuple(options)))


def _flag(text: str) -> bool:
    """A checkbox's value in a link: true/false (as written back, any case), also 1/0, yes/no, on/off."""
    low = text.strip().lower()
    if low in ("true", "1", "yes", "on"):
        return True
    if low in ("false", "0", "no", "off"):
        return False
    raise ValueError(text)


def flag(name: str, key: str) -> Control:
    """A URL control for a checkbox or toggle."""
    return Control(name, key, _flag, lambda v: isinstance(v, bool))


def number(name: str, key: str, lo: float, hi: float, parse: Callable[[str], object] = int) -> Control:
    """A URL control for a number between ``lo`` and ``hi`` (a slider or number input)."""
    return Control(name, key, parse, lambda v: lo <= v <= hi)


def params_of(session: Mapping, controls) -> dict[str, str]:
    """The query parameters for the current values of ``controls`` in ``session``."""
    out = {}
    for control in controls:
        value = session.get(control.key)
        if value is not None:
            out[control.name] = f"{value:g}" if isinstance(value, float) else str(value)
    return out


def read_state(params: Mapping[str, str]) -> LinkState:
    """Parse the Build page's query string (a mapping of name -> text). Bad values are dropped, not raised."""
    values, dropped = read_values(params, CONTROLS.values())
    locked = _names(params.get("lock"), LOCKABLE, dropped, "lock")
    hidden = _names(params.get("hide"), HIDEABLE, dropped, "hide")
    return LinkState(values, locked, hidden, tuple(dropped))


def state_params(session: Mapping, locked=(), hidden=()) -> dict[str, str]:
    """The query parameters for the current values (the inverse of ``read_state``)."""
    out = params_of(session, CONTROLS.values())
    if locked:
        out["lock"] = ",".join(sorted(locked))
    if hidden:
        out["hide"] = ",".join(sorted(hidden))
    return out


def share_url(base: str, params: Mapping[str, str]) -> str:
    """``base`` (the page address without a query) with ``params``; commas stay readable."""
    query = urlencode(dict(params), safe=",")
    return f"{base}?{query}" if query else base
