"""Custom Rasa NLU components for Vietnamese: a pyvi word tokenizer with accent-folded lemmas,
and a per-message language detector.

Accent-insensitivity comes from the lemma: every token's lemma is its lower-case, accent-folded form,
and Rasa's CountVectorsFeaturizer (use_lemma: true, its default) builds its features from lemmas.
So "làm căn cước" and "lam can cuoc" give the same bag of syllables.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import EN, detect_language, fold_key

logger = logging.getLogger(__name__)

LANGUAGE_PROPERTY = "language"
# Word characters plus combining marks, so decomposed (NFD) Vietnamese stays in one token.
_WORD_RE = re.compile(r"[\w\u0300-\u036f]+(?:[-'’][\w\u0300-\u036f]+)*", re.UNICODE)


def _regex_tokens(text: str) -> List[Token]:
    return [Token(m.group(), m.start(), lemma=fold_key(m.group())) for m in _WORD_RE.finditer(text)]


class VietnameseSegmenter:
    """Word segmentation with spaCy's `vi` language (pyvi), keeping offsets into the original text."""

    def __init__(self) -> None:
        import spacy  # imported here so that importing this module stays cheap

        self._nlp = spacy.blank("vi")

    def words(self, text: str) -> List[Token]:
        if unicodedata.normalize("NFC", text) != text or detect_language(text) == EN:
            # Decomposed input would break the offset search, and English needs no pyvi.
            return _regex_tokens(text)
        tokens: List[Token] = []
        cursor = 0
        for word in (t.text for t in self._nlp(text)):
            if not _WORD_RE.search(word):
                continue  # punctuation and symbols carry no meaning for intents
            start = text.find(word, cursor)
            if start < 0:  # pyvi rewrote the text (rare); fall back to plain word boundaries
                return _regex_tokens(text)
            cursor = start + len(word)
            tokens.append(Token(word, start, lemma=fold_key(word)))
        return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokenizes with pyvi so "căn cước" and "công dân" stay whole words; lemmas are accent-folded."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "pyvi"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._segmenter: Optional[VietnameseSegmenter] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        if self._segmenter is None:
            self._segmenter = VietnameseSegmenter()
        tokens = self._segmenter.words(message.get(attribute) or "")
        return self._apply_token_pattern(tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds the message's language ("vi", "en" or None when unclear) to the parse result.

    The `language` slot is filled from it by the custom slot mapping `action_detect_language`.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text is not None:
                message.set(LANGUAGE_PROPERTY, detect_language(text), add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's logistic regression with TF-IDF weighting (sublinear, L2-normalised rows) of the sparse
    features and a configurable regularisation `C`, which Rasa's own component does not pass on.

    Raw counts let long messages and frequent syllables dominate; TF-IDF evens that out. `C` and the
    weighting were chosen by 5-fold cross-validation on the training data (see config.yml)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "sublinear_tf": True}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        self.clf = Pipeline([
            ("tfidf", TfidfTransformer(sublinear_tf=self.config["sublinear_tf"])),
            ("logreg", LogisticRegression(C=self.config["C"], solver=self.config["solver"],
                                          max_iter=self.config["max_iter"], tol=self.config["tol"],
                                          class_weight="balanced", random_state=self.config["random_state"])),
        ])

    # skops refuses types it does not know; these are ours to trust (the pipeline, the TF-IDF step and
    # the sparse matrix holding its idf weights).
    TRUSTED_TYPES = ("sklearn.pipeline.Pipeline", "sklearn.feature_extraction.text.TfidfTransformer",
                     "scipy.sparse._csr.csr_matrix", "scipy.sparse._dia.dia_matrix")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfLogisticRegressionClassifier":
        """Loads the trained pipeline; fails loudly instead of Rasa's silent untrained fallback."""
        import skops.io as sio

        with model_storage.read_from(resource) as model_dir:
            path = model_dir / f"{resource.name}.skops"
            unknown = sio.get_untrusted_types(file=path)
            unexpected = [name for name in unknown if name not in cls.TRUSTED_TYPES]
            if unexpected:
                raise ValueError(f"{path} holds types we do not trust: {unexpected}")
            component = cls(config, execution_context.node_name, model_storage, resource)
            component.clf = sio.load(path, trusted=unknown)
        return component


# Installed here because every Rasa process loading the model imports this module (bot/rasa_extensions.py).
from bot import rasa_extensions  # noqa: E402 - after the components, on purpose

rasa_extensions.install()
