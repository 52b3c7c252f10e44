"""Issue 15: outside evaluation material, the learned dense weight, reliability, suggestion order."""
import numpy as np

from knowledge.domain import other_requests, out_of_scope_questions, training_data
from knowledge.evaluate import evaluate_outside, format_outside, reliability
from knowledge.outside import clinc_oos, clinc_other_intents
from knowledge.suggest import suggest


def test_clinc_oos_splits_are_committed_and_only_train_is_a_negative():
    train, val, test = clinc_oos("train"), clinc_oos("val"), clinc_oos("test")
    assert (len(train), len(val), len(test)) == (100, 100, 1000)
    negatives = {text for text, _ in out_of_scope_questions()}
    assert set(train) <= negatives
    assert not (set(val) | set(test)) & negatives  # never tuned on: val checks, test is reported


def test_other_intents_teach_the_domain_model_only_and_never_hold_oos_queries():
    others = clinc_other_intents()
    assert len(others) >= 1000 and not set(others) & set(clinc_oos("val") + clinc_oos("test"))
    assert not set(others) & {text for text, _ in out_of_scope_questions()}  # not the threshold's
    texts, labels = training_data([])
    out_of_scope = {t for t, label in zip(texts, labels) if label == 0}
    assert {t.lower() for t in other_requests()[:50]} <= out_of_scope  # _fold lower-cases


def test_missing_outside_collections_are_skipped_with_a_notice(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("HUE_EVAL_CACHE", str(tmp_path))  # an empty cache, as in CI
    report = evaluate_outside(engine.encoder, engine.index.calibration, "test")
    assert set(report) == {"vicov19qa", "stackfaq"}
    assert all("prepare-outside" in r["skipped"] for r in report.values())
    assert "skipped" in format_outside(report, "test")


def test_cached_collection_is_evaluated_with_the_built_fusion(engine, tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("HUE_EVAL_CACHE", str(tmp_path))
    entries = list(engine.index.entries.values())[:20]
    (tmp_path / "stackfaq").mkdir()
    lines = [{"q": e.en.questions[0], "a": e.en.answer} for e in entries] + [{"a": "an unasked answer"}]
    (tmp_path / "stackfaq" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    report = evaluate_outside(engine.encoder, engine.index.calibration, "test")
    assert "skipped" in report["vicov19qa"]
    assert report["stackfaq"]["n"] == 20 and report["stackfaq"]["language"] == "en"
    for method in ("bm25", "dense", "hybrid"):
        assert 0.3 < report["stackfaq"][method]["mrr@10"] <= 1.0


def test_dense_weight_scales_the_dense_score(engine):
    dense = np.array([0.9, 0.1, 0.5], dtype=np.float32)
    bm25 = np.array([0.0, 6.0, 1.0], dtype=np.float32)
    saved = dict(engine.params["vi"])
    try:
        engine.params["vi"].update(dense_weight=0.0, bm25_weight=1.0, bm25_beta=4.0)
        assert list(np.argsort(-engine.rank(dense, bm25, "vi"))) == [1, 2, 0]  # BM25 alone decides
        engine.params["vi"].update(dense_weight=1.0, bm25_weight=0.1)
        assert int(np.argmax(engine.rank(dense, bm25, "vi"))) == 0
    finally:
        engine.params["vi"] = saved


def test_calibration_learns_a_dense_weight_per_language(engine):
    for language in ("vi", "en"):
        params = engine.params[language]
        assert 0.0 <= params["dense_weight"] <= 1.0
        assert "loo_mrr@10" in params["calibration_scores"]


def test_reliability_table_and_ece(engine):
    rows = [{"q": "thu tuc lam can cuoc", "lang": "vi-nodiac", "topic": "proc.citizen_id_card"},
            {"q": "imperial city opening hours", "lang": "en", "topic": "tour.imperial_city"},
            {"q": "write me a poem about the sea", "lang": "en", "topic": None}]
    report = reliability(engine, rows)
    assert report["n"] == 3 and sum(b["n"] for b in report["bins"]) == 3
    assert 0.0 <= report["ece"] <= 1.0


def test_suggestions_are_sorted_by_confidence(engine):
    for query in ("le phi lam can cuoc bao nhieu", "imperial city ticket price", "làm giấy khai sinh"):
        items = suggest(engine, query, k=3).items
        confidences = [item.confidence for item in items]
        assert confidences == sorted(confidences, reverse=True)
