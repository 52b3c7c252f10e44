"""knowledge/search.py, index.py, engine.py on the shipped sources with the real model."""
import json
import shutil

import pytest

from knowledge import index as index_store
from knowledge.dense import DEFAULT_MODEL
from knowledge.schema import SOURCES_DIR


@pytest.mark.parametrize("question, entry_id", [
    ("thu tuc lam can cuoc", "proc.citizen_id_card"),
    ("thủ tục làm căn cước", "proc.citizen_id_card"),
    ("What are the Imperial City opening hours?", "tour.imperial_city"),
    ("đăng ký khai sinh cho con cần giấy tờ gì", "proc.birth_registration"),
])
def test_in_scope_questions_are_answered_with_the_right_entry(engine, question, entry_id):
    result = engine.search(question)
    assert result.answered, result
    assert result.hits[0].entry_id == entry_id
    assert result.hits[0].source_url.startswith("http")


@pytest.mark.parametrize("question", [
    "what's the weather in Paris tomorrow",
    "which stocks should I buy this week",
    "write me a poem about the sea",
    "đau bụng uống thuốc gì",
])
def test_out_of_scope_questions_are_declined(engine, question):
    assert not engine.search(question).answered


def test_language_picks_the_block_and_hits_carry_titles(engine):
    vi = engine.search("giờ mở cửa đại nội")
    en = engine.search("imperial city opening hours")
    assert vi.language == "vi" and en.language == "en"
    assert vi.hits[0].title != en.hits[0].title


def test_manifest_records_model_hash_and_calibration(engine, index_dir):
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["model"] == DEFAULT_MODEL
    assert manifest["precision"] == engine.encoder.precision
    assert manifest["sources_hash"] == index_store.sources_hash()
    assert manifest["entries"] >= 120
    for language in ("vi", "en"):
        calibration = manifest["calibration"][language]
        assert 0.5 <= calibration["threshold"] < 1
        assert calibration["calibration_scores"]["oos_declined"] >= 0.95


def test_index_is_stale_when_sources_or_model_change(engine, index_dir, tmp_path):
    assert index_store.is_current(index_dir, DEFAULT_MODEL)
    assert index_store.is_current(index_dir, DEFAULT_MODEL, precision=engine.encoder.precision)
    assert not index_store.is_current(index_dir, "some/other-model")
    other = "fp32" if engine.encoder.precision == "int8" else "int8"
    assert not index_store.is_current(index_dir, DEFAULT_MODEL, precision=other)
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    path = next(sources.glob("*.yml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert not index_store.is_current(index_dir, DEFAULT_MODEL, source_dir=sources)


def test_persisted_index_loads_with_the_same_results(engine, index_dir):
    from knowledge.search import SearchEngine

    reloaded = SearchEngine(index_store.load(index_dir), engine.encoder)
    question = "lich thu gom rac"
    assert reloaded.search(question).hits[0].entry_id == engine.search(question).hits[0].entry_id
