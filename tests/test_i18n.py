from __future__ import annotations

import re
import string
from pathlib import Path

from playground.i18n import LANGS, catalogue, normalize_lang, t

ROOT = Path(__file__).resolve().parent.parent


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys():
    es, en = catalogue("es"), catalogue("en")
    assert set(es) == set(en), sorted(set(es) ^ set(en))


def test_placeholders_match_between_languages():
    es, en = catalogue("es"), catalogue("en")
    mismatched = [k for k in en if _fields(en[k]) != _fields(es[k])]
    assert not mismatched


def test_no_empty_or_untranslated_long_texts():
    es, en = catalogue("es"), catalogue("en")
    assert all(v.strip() for v in es.values()) and all(v.strip() for v in en.values())
    # Long sentences identical in both languages are almost surely untranslated.
    same = [k for k in en if len(en[k]) > 40 and en[k] == es[k]]
    assert not same


def test_every_literal_key_used_in_code_exists():
    used: set[str] = set()
    for path in list((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"] + list((ROOT / "playground").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\btr?\(\s*["']([a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""(?:SpecError|LayerProblem)\(\s*["']([a-z0-9_.]+)["']""", text))
    missing = sorted(k for k in used if k not in catalogue("en"))
    assert not missing
    assert len(used) > 50  # the scan really found the keys


def test_t_formats_and_falls_back():
    assert t("spec.layer_prefix", "es", index=3, type="conv2d") == "Capa 3 (conv2d): "
    assert t("spec.layer_prefix", "en", index=3, type="conv2d") == "Layer 3 (conv2d): "
    assert t("no.such.key", "es") == "no.such.key"
    assert t("home.open", "xx") == t("home.open", "en")


def test_normalize_lang():
    assert normalize_lang("es-AR") == "es"
    assert normalize_lang("en_US") == "en"
    assert normalize_lang("fr-FR") is None
    assert normalize_lang(None) is None
    assert set(LANGS) == {"es", "en"}


def test_page_catalogues_merge_and_refuse_duplicate_keys(tmp_path, monkeypatch):
    import playground.i18n as i18n

    (tmp_path / "en.json").write_text('{"a": "A"}', encoding="utf-8")
    (tmp_path / "rnn").mkdir()
    (tmp_path / "rnn" / "en.json").write_text('{"rnn.x": "X"}', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert i18n.catalogue("en") == {"a": "A", "rnn.x": "X"}
        (tmp_path / "gnn").mkdir()
        (tmp_path / "gnn" / "en.json").write_text('{"a": "again"}', encoding="utf-8")
        i18n.catalogue.cache_clear()
        import pytest

        with pytest.raises(ValueError, match="already defined"):
            i18n.catalogue("en")
    finally:
        i18n.catalogue.cache_clear()
