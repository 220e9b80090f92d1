"""The course map: one entry per topic of the notes, and which pages exist.

``app.py`` builds ``st.Page`` objects from ``PAGES``; the home page walks ``TOPICS`` and links
every topic whose page is registered. Adding a page is one ``PageInfo`` line here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """A page of the app: its file under ``pages/``, its stable URL path and its icon."""

    key: str
    file: str
    url_path: str
    icon: str


# Order of the course notes: fundamentals first, then architectures, then transfer.
TOPICS: tuple[str, ...] = (
    "tensors",
    "activations",
    "optimizers",
    "build",
    "cnn",
    "draw",
    "rnn",
    "transformer",
    "gnn",
    "transfer",
)

TOPIC_ICONS: dict[str, str] = {
    "tensors": ":material/grid_on:",
    "activations": ":material/show_chart:",
    "optimizers": ":material/landscape:",
    "build": ":material/construction:",
    "cnn": ":material/filter:",
    "draw": ":material/draw:",
    "rnn": ":material/timeline:",
    "transformer": ":material/hub:",
    "gnn": ":material/share:",
    "transfer": ":material/move_down:",
}

PAGES: tuple[PageInfo, ...] = (
    PageInfo("home", "pages/home.py", "", ":material/home:"),
    PageInfo("tensors", "pages/tensors.py", "tensors", TOPIC_ICONS["tensors"]),
    PageInfo("activations", "pages/activations.py", "activations", TOPIC_ICONS["activations"]),
    PageInfo("optimizers", "pages/optimizers.py", "optimizers", TOPIC_ICONS["optimizers"]),
    PageInfo("build", "pages/build.py", "build", TOPIC_ICONS["build"]),
    PageInfo("cnn", "pages/cnn.py", "cnn", TOPIC_ICONS["cnn"]),
    PageInfo("draw", "pages/draw.py", "draw", TOPIC_ICONS["draw"]),
    PageInfo("rnn", "pages/rnn.py", "rnn", TOPIC_ICONS["rnn"]),
    PageInfo("transformer", "pages/transformer.py", "transformer", TOPIC_ICONS["transformer"]),
    PageInfo("gnn", "pages/gnn.py", "gnn", TOPIC_ICONS["gnn"]),
    PageInfo("transfer", "pages/transfer.py", "transfer", TOPIC_ICONS["transfer"]),
)


def page_for(topic: str) -> PageInfo | None:
    """The registered page of a topic, or None while it is not built yet."""
    return next((p for p in PAGES if p.key == topic), None)
