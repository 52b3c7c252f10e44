"""bot/nlu.py: the Vietnamese tokenizer, the language detector, the message guard and the classifier,
inside Rasa's component API."""
import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (  # noqa: E402
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu import (LanguageDetector, MessageGuard, TfidfLogisticRegressionClassifier,  # noqa: E402
                     VietnameseTokenizer)


@pytest.fixture(scope="module")
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def tokens_of(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get("text_tokens")


def test_compound_words_stay_whole(tokenizer):
    words = [t.text for t in tokens_of(tokenizer, "làm căn cước công dân ở đâu vậy")]
    assert "căn cước" in words
    assert "công dân" in words


def test_offsets_point_into_the_original_text(tokenizer):
    text = "Cho hỏi, thủ tục đăng ký tạm trú ở phường Phú Hội?"
    for token in tokens_of(tokenizer, text):
        assert text[token.start:token.end] == token.text
    assert "," not in [t.text for t in tokens_of(tokenizer, text)]


def test_lemmas_are_accent_folded(tokenizer):
    lemmas = [t.lemma for t in tokens_of(tokenizer, "Làm Căn Cước")]
    assert " ".join(lemmas) == "lam can cuoc"


def test_english_is_split_on_words(tokenizer):
    assert [t.text for t in tokens_of(tokenizer, "Where's the Imperial City?")] == [
        "Where's", "the", "Imperial", "City"]


def test_decomposed_input_keeps_valid_offsets(tokenizer):
    import unicodedata

    text = unicodedata.normalize("NFD", "làm căn cước")
    tokens = tokens_of(tokenizer, text)
    assert [t.lemma for t in tokens] == ["lam", "can", "cuoc"]
    for token in tokens:
        assert text[token.start:token.end] == token.text


def test_features_are_the_same_with_and_without_diacritics(tokenizer, tmp_path):
    """The word CountVectorsFeaturizer on our lemmas sees the same bag of syllables either way."""
    storage = LocalModelStorage(tmp_path)
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "use_lemma": True},
        storage, Resource("cvf"), ExecutionContext(None, "test"),
    )
    training = TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in [
        "làm căn cước ở đâu", "đăng ký khai sinh", "giờ mở cửa đại nội", "hello there"]])
    tokenizer.process_training_data(training)
    featurizer.train(training)
    accented, folded = Message(data={TEXT: "làm căn cước ở đâu"}), Message(data={TEXT: "lam can cuoc o dau"})
    other = Message(data={TEXT: "giờ mở cửa đại nội"})
    tokenizer.process([accented, folded, other])
    featurizer.process([accented, folded, other])

    def sentence(message):
        _, features = message.get_sparse_features(TEXT)
        return features.features.toarray()

    assert (sentence(accented) == sentence(folded)).all()
    assert sentence(accented).sum() > 0
    assert not (sentence(accented) == sentence(other)).all()


@pytest.mark.parametrize("text, language", [
    ("xin chào", "vi"), ("xin chao ban", "vi"), ("hello there", "en"), ("ok", None)])
def test_language_detector_adds_output_property(text, language):
    message = Message(data={TEXT: text})
    LanguageDetector().process([message])
    assert message.get("language") == language
    # It reaches the parse result (None is left out, which the slot mapping reads as "unclear").
    assert message.as_dict(only_output_properties=True).get("language") == language


def entities_of(message):
    return {e["entity"]: e["value"] for e in message.get("entities") or []}


@pytest.mark.parametrize("text, entities", [
    ("xin chào", {"language_hint": "vi"}),
    ("cho mình hỏi làm căn cước ở đâu", {"language": "vi", "language_hint": "vi"}),  # the hint goes with it
    ("how much is a ticket to the citadel", {"language": "en", "language_hint": "en"}),
    ("hello", {"language_hint": "en"}),          # a lean, not clear evidence
    ("ok", {}), ("dc r thanks", {}), ("Lê Lợi", {"language_hint": "vi"}), ("/affirm", {}),
    ("안녕하세요 왕궁 입장료 얼마예요?", {"foreign_language": "ko", "language": "en"}),
])
def test_language_detector_emits_entities_only_on_evidence(text, entities):
    message = Message(data={TEXT: text})
    LanguageDetector().process([message])
    assert entities_of(message) == entities


def guarded(text, intent="greet", confidence=0.9, ranking=None):
    message = Message(data={TEXT: text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]})
    MessageGuard().process([message])
    return message


@pytest.mark.parametrize("text, kind", [
    ("a man was hit by a car here, his head is bleeding", "medical"),
    ("chay nha ben canh roi", "fire"),
    ("có trộm đang cạy cửa nhà bên", "crime"),
    ("nuoc lu len ca nha mac ket tren mai", "rescue"),
])
def test_guard_makes_a_recognised_emergency_the_intent_whatever_the_classifier_said(text, kind):
    message = guarded(text, intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45},
                               {"name": "report_incident", "confidence": 0.4}])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "emergency"
    assert entities_of(message) == {"emergency_kind": kind}


def test_guard_never_lets_an_emergency_fall_back_to_a_clarification():
    message = guarded("nhanh len, tinh hinh nguy lam roi", intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "emergency", "confidence": 0.4}])
    assert message.get("intent")["name"] == "emergency"
    assert entities_of(message) == {"emergency_kind": "general"}


@pytest.mark.parametrize("text, intent", [
    ("👍", "no_words"), ("?", "no_words"), ("...", "no_words"),
    ("안녕하세요 도와주세요", "unsupported_language"), ("你好，皇城门票多少钱", "unsupported_language"),
])
def test_guard_names_messages_the_classifier_cannot_read(text, intent):
    assert guarded(text, intent="nlu_fallback").get("intent")["name"] == intent


@pytest.mark.parametrize("text", ["mất nước từ sáng, gọi ai?", "den duong hong bao o dau", "bao giờ có điện lại",
                                  "mất điện cả khu, bao giờ có lại?", "so dt cty nuoc la bn",
                                  "who is responsible for the blocked drains", "đèn đường hỏng bao giờ sửa"])
def test_guard_turns_a_service_question_into_a_question_not_a_report(text):
    assert guarded(text, intent="report_incident").get("intent")["name"] == "ask_city_service"


@pytest.mark.parametrize("text, intent", [("phản ánh", "check_report_status"), ("bao cao", "cancel"),
                                          ("report a problem", "nlu_fallback"), ("toi muon phan anh a", "ask_help")])
def test_guard_starts_a_report_on_a_bare_wish_to_report(text, intent):
    assert guarded(text, intent=intent).get("intent")["name"] == "report_incident"


@pytest.mark.parametrize("text, intent", [
    ("can I pay by card", "nlu_fallback"), ("price?", "nlu_fallback"), ("co ve vao cua ko", "nlu_fallback"),
    ("Xem thêm", "nlu_fallback"), ("and what about the train to da nang", "nlu_fallback"),
    ("hỏi ai nếu vướng", "nlu_fallback"),
])
def test_guard_takes_a_follow_up_the_classifier_could_not_place_as_one(text, intent):
    assert guarded(text, intent=intent, confidence=0.45).get("intent")["name"] == "ask_followup"


def test_guard_keeps_the_classifiers_knowledge_guess_for_a_follow_up():
    message = guarded("how much per person", intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45},
                               {"name": "ask_tourism", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}])
    assert message.get("intent")["name"] == "ask_tourism"  # answered from knowledge all the same


@pytest.mark.parametrize("text, intent", [
    ("my phone battery is almost dead", "nlu_fallback"),   # an aspect word in a statement, not a question
    ("gold price today", "out_of_scope"),                   # what the classifier calls out of scope stays
    ("con duong nay co o ga", "report_incident"),           # the classifier placed it: left alone
])
def test_guard_leaves_what_is_not_a_follow_up(text, intent):
    message = guarded(text, intent=intent, confidence=0.45)
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("text, intent", [("den duong hong o le loi", "report_incident"), ("xin chào", "greet"),
                                          ("tra cuu phan anh HUE-2026-000123", "check_report_status"),
                                          ("/emergency", "greet")])
def test_guard_leaves_ordinary_messages_alone(text, intent):
    message = guarded(text, intent=intent)
    assert message.get("intent")["name"] == intent and entities_of(message) == {}


def test_tfidf_classifier_trains_persists_and_loads(tokenizer, tmp_path):
    """Trained, saved and loaded again through skops (our trusted types), it still classifies."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(None, "test")
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "use_lemma": True}, storage, Resource("cvf"), context)
    examples = {"greet": ["xin chào", "chào bạn", "hello", "hi there"],
                "report_incident": ["đèn đường hỏng", "ổ gà to", "rác chưa dọn", "cây đổ"]}
    training = TrainingData([Message(data={TEXT: t, "intent": i}) for i, ts in examples.items() for t in ts])
    tokenizer.process_training_data(training)
    featurizer.train(training)
    featurizer.process_training_data(training)
    config = {**TfidfLogisticRegressionClassifier.get_default_config(), "C": 30}
    TfidfLogisticRegressionClassifier.create(config, storage, Resource("clf"), context).train(training)

    loaded = TfidfLogisticRegressionClassifier.load(config, storage, Resource("clf"), context)
    message = Message(data={TEXT: "den duong hong roi"})
    tokenizer.process([message])
    featurizer.process([message])
    loaded.process([message])
    assert message.get("intent")["name"] == "report_incident"
    assert message.get("intent")["confidence"] > 0.5

    # Only emoji or punctuation: no features at all. It used to crash sklearn ("Found array with 0
    # feature(s)") and the user got no reply; now it gets no intent and the fallback takes it.
    for text in ("👍", "?", "..."):
        empty = Message(data={TEXT: text})
        tokenizer.process([empty])
        featurizer.process([empty])
        loaded.process([empty])
        assert empty.get("intent") == {"name": None, "confidence": 0.0} and empty.get("intent_ranking") == []


@pytest.mark.parametrize("text, report, expected", [
    ("cây xanh đổ ở 15 Lý Thường Kiệt", 0.23, "report_incident"),  # the address pulled it to inform
    ("kiet 20 nguyen trai", 0.05, "inform"),                        # a bare place stays a detail
    ("cây đổ ở đâu thì báo?", 0.3, "inform"),                       # a question is left to the rules
])
def test_guard_reads_a_detail_the_classifier_also_calls_a_report_as_a_report(text, report, expected):
    message = guarded(text, intent="inform", confidence=0.7,
                      ranking=[{"name": "inform", "confidence": 0.7}, {"name": "report_incident", "confidence": report}])
    assert message.get("intent")["name"] == expected


# Branch convform3: a message led by "báo …" / "report …" that the classifier pulls to the topic's
# service question is a report when it asks nothing; a question or a procedure keeps its intent.
@pytest.mark.parametrize("text, report, intent", [
    ("báo rác chưa được thu gom", 0.2, "report_incident"),
    ("report uncollected garbage", 0.19, "report_incident"),
    ("phan anh rac khong ai thu gom", 0.21, "report_incident"),
    ("báo rác thì gọi ai", 0.2, "ask_city_service"),
    ("phản ánh rác chưa thu gom ở đâu", 0.2, "ask_city_service"),
    ("bao gio co xe rac", 0.2, "ask_city_service"),
    ("báo rác chưa được thu gom", 0.05, "ask_city_service"),       # the classifier sees no report at all
    ("rác chưa được thu gom", 0.22, "ask_city_service"),           # no wish to report stated
])
def test_a_report_verb_up_front_wins_over_the_service_question(text, report, intent):
    message = guarded(text, "ask_city_service", 0.6,
                      ranking=[{"name": "ask_city_service", "confidence": 0.6},
                               {"name": "report_incident", "confidence": report}])
    assert message.get("intent")["name"] == intent


def test_classifier_row_is_the_stacked_features(tokenizer, tmp_path):
    """The classifier's input row is what stacking the sentence features gives (Rasa's `_create_X`):
    the sparse features alone when there are no dense ones (same values, shape and dtype), sparse
    then dense when there are."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import csr_matrix, hstack

    storage = LocalModelStorage(tmp_path)
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "use_lemma": True}, storage, Resource("cvf"),
        ExecutionContext(None, "test"))
    training = TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in ("làm căn cước", "đèn đường hỏng")])
    tokenizer.process_training_data(training)
    featurizer.train(training)
    message = Message(data={TEXT: "lam can cuoc o dau"})
    tokenizer.process([message])
    featurizer.process([message])
    sparse = message.get_sparse_features(attribute=TEXT)[1].features
    stacked = hstack([csr_matrix(sparse), csr_matrix([])])
    row = TfidfLogisticRegressionClassifier._features_row(message)
    assert row.shape == stacked.shape and row.dtype == stacked.dtype and (row != stacked).nnz == 0

    dense = np.array([[0.5, -1.0]])
    message.add_features(Features(dense, "sentence", TEXT, "dense"))
    row = TfidfLogisticRegressionClassifier._features_row(message)
    assert row.shape == (1, sparse.shape[1] + 2)
    assert np.array_equal(row.toarray(), np.hstack([sparse.toarray(), dense]))


@pytest.mark.parametrize("text, social", [("bye", True), ("thank you", True), ("cám ơn nhé", True), ("chao ad", True),
                                          ("hey there", True), ("passport fee", False), ("Tran Hung Dao", False),
                                          ("ok", False)])
def test_language_detector_marks_greetings_and_thanks(text, social):
    message = Message(data={TEXT: text})
    LanguageDetector().process([message])
    assert bool(message.get("language_social")) is social


def test_guard_answers_when_only_the_knowledge_intents_share_the_confidence():
    message = guarded("how do I get rid of an old sofa and mattress?", intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "ask_city_service", "confidence": 0.38},
                               {"name": "out_of_scope", "confidence": 0.32}, {"name": "ask_procedure", "confidence": 0.14}])
    assert message.get("intent")["name"] == "ask_city_service"


@pytest.mark.parametrize("ranking", [
    [("ask_tourism", 0.3), ("thank", 0.2), ("out_of_scope", 0.19)],          # too little together
    [("ask_city_service", 0.4), ("report_incident", 0.35), ("ask_procedure", 0.1)],  # a report is as likely
    [("out_of_scope", 0.4), ("ask_tourism", 0.3), ("ask_procedure", 0.2)],   # the classifier's best is not knowledge
])
def test_guard_keeps_the_fallback_when_knowledge_is_not_clearly_ahead(ranking):
    message = guarded("something vague", intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45}]
                      + [{"name": name, "confidence": confidence} for name, confidence in ranking])
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["the con gio do rac hang ngay", "vậy còn giờ đổ rác thì sao", "what about the train",
                                  "con rac cong kenh thi sao"])
def test_guard_takes_a_question_about_another_topic_as_a_question_not_a_report(text):
    message = guarded(text, intent="report_incident", confidence=0.6,
                      ranking=[{"name": "report_incident", "confidence": 0.6}, {"name": "ask_followup", "confidence": 0.3}])
    assert message.get("intent")["name"] == "ask_followup"


def test_guard_leaves_a_statement_to_the_fallback_even_when_knowledge_leads():
    """Right after an emergency, "my phone battery is almost dead" must reach the fallback's rule."""
    message = guarded("my phone battery is almost dead", intent="nlu_fallback", confidence=0.45,
                      ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "ask_city_service", "confidence": 0.44},
                               {"name": "out_of_scope", "confidence": 0.26}])
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text, intent, expected", [
    ("mat may ngay", "report_incident", "ask_followup"), ("giá cả sao em", "out_of_scope", "ask_followup"),
    ("how much is it?", "out_of_scope", "ask_followup"),
    ("gold price today", "out_of_scope", "out_of_scope"),             # names gold: stays out of scope
    ("ngap nuoc may ngay roi", "report_incident", "report_incident"),  # names the problem: a report
])
def test_guard_takes_an_aspect_alone_as_a_follow_up(text, intent, expected):
    assert guarded(text, intent=intent, confidence=0.6).get("intent")["name"] == expected
