"""Spanish and English catalogues for every string a person reads.

The catalogues live in ``assets/locales/{es,en}.json`` as flat ``key -> text`` maps; a page may keep
its own texts in ``assets/locales/<page>/{es,en}.json``, merged in (a key defined twice is an error).
Texts may hold ``str.format`` placeholders: ``t("spec.layer_prefix", "es", index=3, type="dense")``.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "es")
DEFAULT_LANG = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "assets" / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the key -> text map of one language (the main file plus every page's file)."""
    merged: dict[str, str] = {}
    for path in locale_files(lang):
        with open(path, encoding="utf-8") as fh:
            part = json.load(fh)
        twice = sorted(set(part) & set(merged))
        if twice:
            raise ValueError(f"{path}: keys already defined elsewhere: {twice[:5]}")
        merged.update(part)
    return merged


def locale_files(lang: str) -> list[Path]:
    """The catalogue files of one language: ``<lang>.json`` first, then ``*/<lang>.json`` sorted."""
    return [LOCALE_DIR / f"{lang}.json", *sorted(LOCALE_DIR.glob(f"*/{lang}.json"))]


def normalize_lang(value: str | None) -> str | None:
    """Map a locale such as ``es-AR`` or ``en_US`` to ``es``/``en``; None when unsupported."""
    if not value:
        return None
    code = str(value).replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else None


def t(key: str, lang: str = DEFAULT_LANG, **kwargs: object) -> str:
    """Translate ``key`` into ``lang``, formatting placeholders with ``kwargs``.

    Falls back to English, then to the key itself, so a missing entry never crashes a page
    (tests make sure no entry is missing).
    """
    text = catalogue(lang if lang in LANGS else DEFAULT_LANG).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key, key)
    return text.format(**kwargs) if kwargs else text
