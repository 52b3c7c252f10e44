"""Custom Rasa NLU components for Vietnamese: a pyvi word tokenizer with accent-folded lemmas,
a per-message language detector, and a guard that keeps emergencies, foreign languages and
emoji-only messages from being misread.

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
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack

from bot.safety import GENERAL, emergency_kind
from bot.language_slots import SOCIAL
from bot.text import (EN, clear_language, detect_language, fold_key, foreign_language, has_words, is_social,
                      lean_language)
from knowledge.aspects import looks_like_follow_up, looks_like_question, topic_words

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


def _entity(name: str, value: str, text: str, extractor: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(text), "confidence": 1.0,
            "extractor": extractor}


def _add_entities(message: Message, entities: List[Dict[str, Any]]) -> None:
    if entities:
        message.set(ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Tells the dialogue the message's language through entities, filled into slots by from_entity
    mappings (domain.yml), so no action-server call is needed for it:

    - `language` (vi / en) only on clear evidence (bot.text.clear_language): a full sentence, not
      "ok", "alo", "dc r thanks" or a street name, which keep the conversation's language;
    - `language_hint` (vi / en) otherwise, when the words lean one way ("hello"): used only while the
      conversation has not shown its language yet;
    - `foreign_language` (ko, zh, ja, fr, ...) for a language we do not serve; `language` is then en;
    - a message that is only a greeting, thanks or goodbye ("bye", "cám ơn") is marked with the SOCIAL
      property: its hint does not replace one the conversation has (bot.language_slots).

    The parse result also keeps the per-message guess as the `language` property.
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
            if text is None:
                continue
            message.set(LANGUAGE_PROPERTY, detect_language(text), add_to_output=True)
            if text.lstrip().startswith("/"):
                continue  # a button payload says nothing about the user's language
            name = type(self).__name__
            foreign = foreign_language(text)
            if foreign:
                _add_entities(message, [_entity("foreign_language", foreign, text, name),
                                        _entity("language", EN, text, name)])
                continue
            clear = clear_language(text)
            if clear:
                # The hint too: inside the form `language` is not filled from answers, and while it is
                # still empty the hint is what replies (an emergency's number) follow.
                _add_entities(message, [_entity("language", clear, text, name),
                                        _entity("language_hint", clear, text, name)])
                continue
            hint = lean_language(text)
            if hint:
                _add_entities(message, [_entity("language_hint", hint, text, name)])
                if is_social(text):
                    message.set(SOCIAL, True, add_to_output=True)
        return messages


EMERGENCY = "emergency"
UNSUPPORTED_LANGUAGE = "unsupported_language"
NO_WORDS = "no_words"
NLU_FALLBACK = "nlu_fallback"
SERVICE_QUESTION = "ask_city_service"
FOLLOW_UP = "ask_followup"
KNOWLEDGE_INTENTS = frozenset({"ask_procedure", "ask_city_service", "ask_tourism", FOLLOW_UP})
# "mất nước từ sáng, gọi ai?", "đèn đường hỏng báo ở đâu", "bao giờ có điện lại": a question about a
# service that names a problem. Answered from knowledge, never started as a report.
_SERVICE_QUESTION_RE = re.compile(
    r"\b(?:goi ai|goi so nao|goi cho ai|goi dau|lien he ai|lien he dau|lien he o dau|bao cho ai|bao o dau|"
    r"bao ai|phan anh o dau|phan anh cho ai|bao gio co (?:dien|nuoc)(?: \w+)? lai|khi nao co (?:dien|nuoc)"
    r"(?: \w+)? lai|(?:dien|nuoc) co lai|may gio co (?:dien|nuoc)|who (?:do|should|can) i (?:call|contact|ask)|"
    r"who (?:handles|fixes|do i tell)|where (?:do|can|should) i report|what number (?:do|should) i call|"
    r"when will (?:the )?(?:power|electricity|water)|be back on|"
    # … and when it will be fixed or back, which number to call, who looks after it
    r"(?:bao gio|khi nao|may gio|bao lau)(?: thi| moi)? (?:co|sua|xong|duoc sua|het|on|thu|don)(?: \w+)? lai|"
    r"(?:bao gio|khi nao|bao lau)(?: thi| moi)? (?:co nguoi )?(?:sua|xu ly|khac phuc|thu gom|don)|"
    r"(?:so|sdt|so dien thoai|hotline)(?: \w+){0,3} (?:la bao nhieu|la may|bao nhieu|la so nao|la bn|bn)|"
    r"who (?:is responsible|takes care|deals with|looks after)|how (?:do|can|should) i report|"
    r"when will (?:it|they|the \w+) be (?:fixed|back|repaired|restored|collected)|is there a number)\b")

# "thế còn giờ đổ rác hằng ngày", "what about the train": a question about another topic, never a report.
_ASKS_ABOUT_OTHER = re.compile(r"^(?:ok |oke |okay |uh |a )?(?:the con|vay con|what about|how about|and what about|"
                               r"and how about)(?!\w)|^con .+ (?:thi sao|the nao|ra sao)\W*$")
# The FallbackClassifier's thresholds (config.yml), applied to the knowledge intents taken together: they
# all reach the same knowledge answer, which declines by itself when the search is unsure.
KNOWLEDGE_THRESHOLD = 0.45
KNOWLEDGE_AMBIGUITY = 0.08
TOPIC_NAME_WORDS = 4  # "bach ma natinal park": a topic named without a question
OUT_OF_SCOPE = "out_of_scope"

# Only the wish to report, nothing else ("phản ánh", "báo cáo", "report a problem", "muốn phản ánh ạ"):
# the report form starts, never a status look-up or a cancellation.
REPORT = "report_incident"
# An `inform` with at least this confidence for `report_incident` beside it is a report (tuned on the
# dev sets: reports with an address scored 0.23-0.42 there, bare places at most 0.05).
REPORT_BESIDE_INFORM = 0.2
_BARE_REPORT_RE = re.compile(
    r"^(?:(?:toi|minh|em|anh|chi|i) )?(?:(?:muon|can|xin|want to|would like to|need to) )?(?:gui )?"
    r"(?:phan anh|bao cao|report|make a report|file a report)(?: (?:a problem|an issue|a problem please|su co|"
    r"van de|a|ad|nhe|nha|voi|di|cai nay|please))*$")
# A message led by the wish to report ("báo rác chưa được thu gom", "report uncollected garbage") that the
# classifier pulls to the topic's service question: a report when it asks nothing.
_REPORT_VERB_LEAD_RE = re.compile(
    r"^(?:(?:toi|minh|em|anh|chi|i) )?(?:(?:muon|can|xin|want to|would like to|need to|'d like to) )?"
    r"(?:bao|phan anh|report)\b(?! (?:gio|lau|nhieu|tang|cao (?:cua|ve)|luc|ve|status|back))")
_ASKS_RE = re.compile(r"\b(?:o dau|the nao|lam sao|bao gio|khi nao|ai|gi|sao|ko|khong|chua|how|where|when|who|what|"
                      r"which|why)$|\b(?:o dau|the nao|lam sao|bao gio|khi nao|goi ai|how|where|when|who|what|which|why)\b")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MessageGuard(GraphComponent):
    """Last word on the intent, after the classifier and the fallback (place it last):

    - an emergency the keyword net (bot.safety) recognises is `emergency`, whatever the classifier
      thought, so it is never answered with a clarification; every `emergency` gets an
      `emergency_kind` entity (medical, fire, crime, rescue, or general) that picks the number;
    - a message in a language we do not serve is `unsupported_language`;
    - a message with no letters or digits ("👍", "?", "...") is `no_words`;
    - a question about a service that names a problem ("mất nước, gọi ai?") is `ask_city_service`,
      not `report_incident`;
    - a bare wish to report ("phản ánh", "báo cáo", "report a problem") is `report_incident`;
    - a message the classifier could not place (`nlu_fallback`) that asks about an aspect ("can I pay
      by card"), for "more", or opens with "còn …" / "and what about …" is `ask_followup`: the
      knowledge answer resolves it against the topic just discussed (knowledge.followup), and without
      one an aspect alone asks which topic is meant. A message the classifier calls `out_of_scope` stays so ("gold
      price today" holds an aspect word too);
    - a report that opens like a question about another topic ("thế còn giờ đổ rác", "what about …") is
      that question (the best knowledge intent, else `ask_followup`);
    - a fallback caused only by the knowledge intents sharing the confidence is the best of them
      (`_knowledge_as_one`), instead of asking "a city service or a procedure?", when it is a question
      or a bare topic name;
    - a report or out_of_scope that is only an aspect question ("mất mấy ngày", "giá cả sao em") is
      `ask_followup`.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageGuard":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @staticmethod
    def _override(message: Message, intent: str) -> None:
        chosen = {"name": intent, "confidence": 1.0}
        ranking = [item for item in message.get(INTENT_RANKING_KEY) or [] if item.get("name") != intent]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)

    @staticmethod
    def _reads_as_report(message: Message, text: str) -> bool:
        """A detail (`inform`) that the classifier also reads as a report ("cây xanh đổ ở 15 Lý Thường
        Kiệt": the address pulls it to `inform`) is a report. A bare place ("kiệt 20 Nguyễn Trãi") is
        far below REPORT_BESIDE_INFORM; a question is left to the form and the rules."""
        intent = (message.get(INTENT) or {}).get("name")
        if intent not in ("inform", SERVICE_QUESTION) or "?" in text:
            return False
        scores = {item.get("name"): item.get("confidence") or 0.0 for item in message.get(INTENT_RANKING_KEY) or []}
        if intent == SERVICE_QUESTION:  # only when it opens with "báo …" / "report …" and asks nothing
            key = fold_key(text).strip(" .!")
            return (bool(_REPORT_VERB_LEAD_RE.match(key)) and not _ASKS_RE.search(key)
                    and not _SERVICE_QUESTION_RE.search(key) and scores.get(REPORT, 0.0) >= REPORT_BESIDE_INFORM - 0.05)
        return scores.get(REPORT, 0.0) >= REPORT_BESIDE_INFORM

    @staticmethod
    def _top_intent(message: Message) -> Optional[str]:
        """The classifier's best intent, looking past the fallback's nlu_fallback."""
        for item in message.get(INTENT_RANKING_KEY) or []:
            if item.get("name") != NLU_FALLBACK:
                return item.get("name")
        return None

    @staticmethod
    def _only_an_aspect(message: Message, text: str) -> bool:
        """ "mất mấy ngày", "giá cả sao em": a follow-up about an aspect with no words of its own is
        neither a report nor out of scope, whatever the classifier made of it ("gold price today" names
        gold, and stays out of scope)."""
        if (message.get(INTENT) or {}).get("name") not in (REPORT, OUT_OF_SCOPE) or not looks_like_follow_up(text):
            return False
        return not topic_words(text, EN if detect_language(text) == EN else "vi")

    @staticmethod
    def _knowledge_as_one(message: Message, text: str) -> bool:
        """The fallback fired, but only because the knowledge intents split the confidence among
        themselves ("how do I get rid of an old sofa": city service 0.38, procedure 0.14): together they
        clear the fallback's thresholds against every other intent. Asking "a city service or a
        procedure?" would lead to the same answer."""
        if (message.get(INTENT) or {}).get("name") != NLU_FALLBACK:
            return False
        if not (looks_like_question(text) or len(text.split()) <= TOPIC_NAME_WORDS):
            return False  # a statement ("my phone battery is almost dead") may be about anything said before
        ranking = [item for item in message.get(INTENT_RANKING_KEY) or [] if item.get("name") != NLU_FALLBACK]
        if not ranking or ranking[0].get("name") not in KNOWLEDGE_INTENTS:
            return False
        together = sum(item.get("confidence") or 0.0 for item in ranking if item.get("name") in KNOWLEDGE_INTENTS)
        others = [item for item in ranking if item.get("name") not in KNOWLEDGE_INTENTS]
        if others and others[0].get("name") == REPORT:
            return False  # "a report or a question?" is a real choice: the clarification stays
        other = others[0].get("confidence") or 0.0 if others else 0.0
        return together >= KNOWLEDGE_THRESHOLD and together - other >= KNOWLEDGE_AMBIGUITY

    @staticmethod
    def _best_knowledge_intent(message: Message) -> str:
        for item in message.get(INTENT_RANKING_KEY) or []:
            if item.get("name") in KNOWLEDGE_INTENTS:
                return item["name"]
        return FOLLOW_UP

    @staticmethod
    def _placed_as_follow_up(message: Message, text: str) -> bool:
        return (message.get(INTENT) or {}).get("name") == NLU_FALLBACK and looks_like_follow_up(text)

    def process(self, messages: List[Message]) -> List[Message]:
        name = type(self).__name__
        for message in messages:
            text = message.get(TEXT) or ""
            if text.lstrip().startswith("/"):
                continue  # an intent payload: Rasa's RegexMessageHandler decides
            if not has_words(text):
                self._override(message, NO_WORDS)
                continue
            if foreign_language(text):
                self._override(message, UNSUPPORTED_LANGUAGE)
                continue
            kind = emergency_kind(text)
            if kind:
                self._override(message, EMERGENCY)
            elif self._top_intent(message) == EMERGENCY:
                self._override(message, EMERGENCY)  # never a clarification for an emergency
            elif (message.get(INTENT) or {}).get("name") in ("report_incident", NLU_FALLBACK) and \
                    _SERVICE_QUESTION_RE.search(fold_key(text)):
                self._override(message, SERVICE_QUESTION)
            elif (message.get(INTENT) or {}).get("name") == REPORT and _ASKS_ABOUT_OTHER.match(fold_key(text)):
                self._override(message, self._best_knowledge_intent(message))
            elif _BARE_REPORT_RE.match(fold_key(text).strip(" .!?")):
                self._override(message, REPORT)
            elif self._reads_as_report(message, text):
                self._override(message, REPORT)
            elif self._placed_as_follow_up(message, text):
                # The classifier's own guess when it is a knowledge question (all of them reach the
                # same knowledge answer, which resolves the follow-up), else ask_followup.
                top = self._top_intent(message)
                self._override(message, top if top in KNOWLEDGE_INTENTS else FOLLOW_UP)
            elif self._knowledge_as_one(message, text):
                self._override(message, self._top_intent(message))
            elif self._only_an_aspect(message, text):
                self._override(message, FOLLOW_UP)
            if (message.get(INTENT) or {}).get("name") == EMERGENCY:
                _add_entities(message, [_entity("emergency_kind", kind or GENERAL, text, name)])
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

    def process(self, messages: List[Message]) -> List[Message]:
        """Classifies messages that have features; one with none (only emoji or punctuation) gets no
        intent here instead of crashing sklearn ("Found array with 0 feature(s)"): the fallback and
        MessageGuard decide for it. Each message's features are combined once (Rasa's own component
        combines them again for the matrix; with the checks that was a third of the NLU's time)."""
        rows = [(message, self._features_row(message)) for message in messages]
        for message, row in rows:
            if row is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        featured = [(message, row) for message, row in rows if row is not None]
        if not featured:
            return messages
        probabilities = self.clf.predict_proba(vstack([row for _, row in featured]))
        for (message, _), row_probabilities in zip(featured, probabilities):  # as Rasa's process()
            ranking = sorted(({"name": name, "confidence": confidence}
                              for name, confidence in zip(self.clf.classes_, row_probabilities)),
                             key=lambda e: -e["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            length = self.config[RANKING_LENGTH]
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages

    @staticmethod
    def _features_row(message: Message) -> Optional[csr_matrix]:
        """The message's sentence features as one row (sparse, then dense), as Rasa's `_create_X`
        builds it; None when there are none. Without dense features (this pipeline has none) the row
        is the sparse features alone, in the dtype the stacking would give: scipy's hstack with an
        empty block cost more than the classifier itself (bench/turn_parts.py, issue 14)."""
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        has_dense = dense is not None and dense.features.size
        if not ((sparse is not None and sparse.features.shape[-1] and sparse.features.nnz) or has_dense):
            return None
        if not has_dense:
            return csr_matrix(sparse.features, dtype=np.promote_types(sparse.features.dtype, np.float64))
        return hstack([csr_matrix(sparse.features if sparse else []), csr_matrix(dense.features)])

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
