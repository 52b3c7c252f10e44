"""bot/nlu.py: the Vietnamese tokenizer and the language detector, inside Rasa's component API."""
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

from bot.nlu import LanguageDetector, TfidfLogisticRegressionClassifier, VietnameseTokenizer  # noqa: E402


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
