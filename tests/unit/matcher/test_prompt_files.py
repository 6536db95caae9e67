"""The prompt files shipped with the matcher are complete and well-formed: six languages, every
band with at least 40 distinct, non-empty prompts, ids unique, nothing repeated across bands."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from services.matcher.core.topic_core import BANDS, data_files, library

LANGUAGES = {"en", "es", "de", "ja", "pt-BR", "ar"}
AT_LEAST = 40
FILES = dict(data_files())


def test_every_language_has_a_file_named_after_it() -> None:
    assert set(FILES) == {f"{lang}.json" for lang in LANGUAGES}
    for name, text in FILES.items():
        assert json.loads(text)["language"] == name.removesuffix(".json")


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_band_has_enough_distinct_prompts_with_unique_ids(name: str) -> None:
    doc = json.loads(FILES[name])
    assert set(doc) == {"language", "bands"}
    assert set(doc["bands"]) == set(BANDS)
    texts: list[str] = []
    for band in BANDS:
        entries = doc["bands"][band]
        assert all(set(e) == {"id", "text"} for e in entries), band
        band_texts = [" ".join(str(e["text"]).split()) for e in entries]
        assert all(t and t == str(e["text"]) for t, e in zip(band_texts, entries, strict=True))
        assert len(set(band_texts)) >= AT_LEAST, (name, band, len(set(band_texts)))
        assert all(len(t) <= 200 for t in band_texts)
        texts += band_texts
    repeated = [t for t, k in Counter(t.casefold() for t in texts).items() if k > 1]
    assert repeated == [], f"{name}: the same prompt twice (within or across bands)"


def test_ids_are_unique_across_every_file() -> None:
    ids = [
        e["id"] for text in FILES.values() for b in json.loads(text)["bands"].values() for e in b
    ]
    assert all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids)
    assert len(ids) == len(set(ids))


def test_the_library_loads_every_band_of_every_language() -> None:
    lib = library()
    assert set(lib.languages) == LANGUAGES
    for lang in LANGUAGES:
        for band in BANDS:
            assert len(lib.band(lang, band)) >= AT_LEAST


def test_the_files_are_declared_as_package_data() -> None:
    """Installed without the source tree (the image), the files must come along."""
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]
    assert "prompts/*.json" in data["services.matcher"]
