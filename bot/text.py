"""Text normalisation shared by NLU, actions and knowledge: NFC, accent folding, language detection.

Pure functions only (no Rasa imports) so both Python environments can use them.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

VI = "vi"
EN = "en"

# Letters that exist in Vietnamese but not in English (after NFC, tone marks combine with vowels).
_VI_SPECIFIC = set("ăâđêôơưĂÂĐÊÔƠƯ")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)

# A Vietnamese syllable written without diacritics: optional onset, 1–3 vowels, optional coda.
_VI_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?$"
)

# Frequent words typed without diacritics by Vietnamese users (incl. chat abbreviations).
_VI_WORDS = frozenset(
    """
    toi minh em anh chi ban ad ae mn moi nguoi oi a ah nha nhe nhen nghen vay z zay ha hong ko k khong kg hok
    co dc duoc đc la lam gi j nao sao the nhu nay kia do day dau o ve di den tu cua cho voi va hay hoac nhung
    roi chua da dang se can phai muon biet hoi giup xin chao cam on thank tks bao nhieu may gio ngay thang nam
    giay thu tuc cuoc can cong dan ho chieu khai sinh ket hon dang ky tam tru thuong tru so do nha dat xay dung
    duong pho phuong xa quan huyen thanh tinh ubnd hanh chinh dich vu tien dien nuoc rac thai ngap lut cay doi
    ho ga hong bi vo bao cao phan anh tra ma kiem tai sao vi noi tieng viet anh di thoi duoc khg nhi nhe ne
    nguoi that bot hay khong dung sai vang da u uh um ukm oke ok tam biet hen gap lai chuc ngu ngon ve benh vien
    truong hoc phi xe buyt bai dau xe phat nguoi mat lam lai lang chua cho ben song cau trang tien dai noi
    hue hoi an an uong mon ngon bun bo com hen ve tham quan du lich ve tham gia le hoi canh quan nao
    """.split()
)

# Frequent English words (function words and words tourists use) that are not Vietnamese syllables
# or are far more likely English in this service.
_EN_WORDS = frozenset(
    """
    the a an is are was were be been am i you he she it we they me my your our their this that these those
    what where when who why how which can could would should will shall do does did done have has had not no
    yes yeah yep nope nah ok okay please pls thanks thank thx hello hi hey bye goodbye good morning evening
    night to of in on at for from with about by as and or but if so get got want need like know tell show
    help speak english vietnamese language report status my ticket tickets price cost open hours time day
    days bus taxi airport train station hotel food eat visit tour tours boat river pagoda tomb citadel city
    imperial palace market bridge festival music beach lagoon park visa money atm bank card id passport
    license street light lamp pothole road garbage trash rubbish flood flooding tree fallen noise water
    broken damaged there here some any much many more most best nearest near far around way there person
    human agent staff someone call number phone talk real bot robot machine ai weather stock poem joke
    """.split()
)
# Tokens that say nothing about the language (names, shared loanwords).
_NEUTRAL = frozenset("hue ok oke bot app hue-s wifi zalo telegram vneid atm".split())


def normalize(text: str) -> str:
    """NFC-normalise and collapse white space; the canonical form of any user text."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def fold_accents(text: str) -> str:
    """Remove Vietnamese diacritics ("làm căn cước" → "lam can cuoc"); keeps case and spacing."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


def fold_key(text: str) -> str:
    """Lower-case, accent-folded, NFC form used as a matching key."""
    return fold_accents(normalize(text)).lower()


def has_vietnamese_diacritics(text: str) -> bool:
    """True when the text holds letters or tone marks that only Vietnamese uses here."""
    text = unicodedata.normalize("NFC", text)
    if any(ch in _VI_SPECIFIC for ch in text):
        return True
    # Tone marks on plain vowels (á, à, ả, ã, ạ ...): decompose and look for the five tone marks.
    for ch in unicodedata.normalize("NFD", text):
        if ch in "\u0300\u0301\u0303\u0309\u0323":
            return True
    return False


def detect_language(text: str) -> Optional[str]:
    """Return "vi", "en", or None when the text does not tell (e.g. "ok", "2", an emoji).

    Text with Vietnamese diacritics is Vietnamese. Text without them is scored word by word against
    common Vietnamese syllables and common English words; Vietnamese typed without accents counts as
    Vietnamese.
    """
    text = normalize(text)
    if not text:
        return None
    if has_vietnamese_diacritics(text):
        return VI
    vi_score = en_score = 0.0
    for word in _WORD_RE.findall(text.lower()):
        if word in _NEUTRAL:
            continue
        in_vi, in_en = word in _VI_WORDS, word in _EN_WORDS
        if in_vi and in_en:
            vi_score += 0.5
            en_score += 0.5
        elif in_vi:
            vi_score += 1
        elif in_en:
            en_score += 1
        elif _VI_SYLLABLE_RE.match(word):
            vi_score += 0.4
        else:
            en_score += 1
    if vi_score == en_score:
        return None
    return VI if vi_score > en_score else EN


# --- clear evidence of a language, and languages we do not serve ------------------------------------
# Short messages ("ok", "hello", "dc r thanks", "Lê Lợi") say little about the conversation's language;
# only a message with at least this many telling words may change it.
CLEAR_MIN_WORDS = 3
_LETTERS_RE = re.compile(r"[^\W\d_]", re.UNICODE)
# For telling a conversation's language only: names of dishes and places that English speakers type
# too ("where can I try bun bo hue"), and words the lists above lack. (detect_language, which the
# tokenizer uses, is left as it is.)
_LEAN_NEUTRAL = _NEUTRAL | frozenset(
    "bun bo pho banh com hen nem che thien mu dong ba trang tien le loi dai noi kinh thanh minh mang "
    "khai dinh tu duc gia long an hoi ngu binh vy da kim long huong".split())
_LEAN_EN = frozenset("try then than also just really still way ways old new big small".split())
_LEAN_VI = frozenset("alo alô".split())


def has_words(text: str) -> bool:
    """True when the text holds at least one letter or digit (not only emoji or punctuation)."""
    return bool(re.search(r"[^\W_]", normalize(text), re.UNICODE))


def _telling_words(text: str) -> list:
    """Words that may tell the language: not names (capitalised after the first word), not single
    letters ("r", "k"), not shared words ("ok", "hue")."""
    words = []
    for index, word in enumerate(_WORD_RE.findall(normalize(text))):
        if index > 0 and word[:1].isupper():
            continue
        lower = word.lower()
        if len(lower) < 2 or lower in _LEAN_NEUTRAL:
            continue
        words.append(lower)
    return words


def _lean(words: list) -> "tuple[float, float]":
    """(vi, en) weights of telling words, scored as in detect_language."""
    vi_score = en_score = 0.0
    for word in words:
        in_vi = word in _VI_WORDS or word in _LEAN_VI
        in_en = (word in _EN_WORDS or word in _LEAN_EN) and word not in _LEAN_VI
        if in_vi and not in_en:
            vi_score += 1
        elif in_en and not in_vi:
            en_score += 1
        elif not in_vi and not in_en:
            if _VI_SYLLABLE_RE.match(word):
                vi_score += 0.4
            else:
                en_score += 1
    return vi_score, en_score


def lean_language(text: str) -> Optional[str]:
    """The way a message leans when it is not clear ("hello" → en, "alo" → vi), or None: for the
    conversation's first messages only (the `language_hint` entity)."""
    text = normalize(text)
    if not text or text.startswith("/") or foreign_language(text):
        return None
    if has_vietnamese_diacritics(text):
        return VI
    vi_score, en_score = _lean(_telling_words(text))
    if vi_score == en_score:
        return None
    return VI if vi_score > en_score else EN


# Greetings, thanks, goodbyes and acknowledgements, folded. Vietnamese users type "bye", "thank you",
# "ok"; visitors type "cám ơn", "xin chào": such a message says nothing about the conversation's language
# once it has shown one (bot.language_slots keeps the hint), and is never clear evidence.
_SOCIAL = frozenset("""
hi hello helo hallo hey hiya yo there bye goodbye byebye see you later soon good night morning evening
afternoon day thanks thank thx tks tk ty tq much very so lot lots ok okay okie oki oke okela alright fine
great nice cool perfect awesome yes yeah yep ya no nope nah sorry please pls plz hmm hm um uh ah oh wow
lol haha hihi hehe kk welcome
alo chao xin cam on camon ad admin ban em anh chi nha nhe nhen nghen oi da vang ukm ok tam biet hen gap
lai chuc ngu ngon tot lanh rat nhieu ha hic ah uhm dc duoc roi
""".split())


def is_social(text: str) -> bool:
    """Only a greeting, thanks, a goodbye or an acknowledgement ("chào ad", "thank you", "ok bye",
    "cảm ơn nhé", "hey there"), in either language."""
    words = [fold_key(word) for word in _telling_words(text)]
    return bool(words) and all(word in _SOCIAL for word in words)


def clear_language(text: str) -> Optional[str]:
    """"vi" or "en" only when the message clearly shows it, else None.

    Clear means a full sentence of at least three telling words: with Vietnamese diacritics it is
    Vietnamese ("phí bao nhiêu", but not "cảm ơn" or "đường Lê Lợi"); without them the words are scored
    as in detect_language and one language must weigh at least twice the other. Payloads
    ("/affirm") and messages in a language we do not serve never count."""
    text = normalize(text)
    if not text or text.startswith("/") or foreign_language(text):
        return None
    words = _telling_words(text)
    if len(words) < CLEAR_MIN_WORDS or is_social(text):
        return None
    if has_vietnamese_diacritics(text):
        return VI
    vi_score, en_score = _lean(words)
    if vi_score >= 2 * en_score and vi_score >= 1.5:
        return VI
    if en_score >= 2 * vi_score and en_score >= 2:
        return EN
    return None


# Scripts of languages we do not serve, by the share of letters written in them.
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana first: Japanese also writes kanji
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
# Frequent words of Latin-script languages tourists write in, not English or Vietnamese ones.
_LATIN_WORDS = {
    "fr": frozenset("bonjour merci où vous je suis avec pour dans quelle quel combien est une des aux "
                    "voudrais comment billet très plaît s'il c'est nous sont cette aller musée salut se trouve "
                    "pagode les ouvert ouverte fermé quand".split()),
    "de": frozenset("hallo danke bitte ich wo ist wie viel kostet der das und nicht guten tag möchte eine "
                    "einen gibt es können sie".split()),
    "es": frozenset("hola gracias dónde donde está cuánto cuanto cuesta por favor quiero los las una qué "
                    "buenos días necesito puedo".split()),
}
_LATIN_LETTERS = {"fr": set("çœëïîû"), "de": set("äöüß"), "es": set("ñ¿¡")}


def foreign_language(text: str) -> Optional[str]:
    """An ISO code ("ko", "zh", "ja", "fr", "de", "es", "th", "ru") when the message is written in a
    language we do not serve, else None (Vietnamese, English, or too short to tell)."""
    text = normalize(text)
    letters = _LETTERS_RE.findall(text)
    if not letters:
        return None
    for code, script in _SCRIPTS:
        if sum(1 for ch in letters if script.match(ch)) * 2 >= len(letters):
            return code
    lower = text.lower()
    words = _WORD_RE.findall(lower) + re.findall(r"\w+'\w+", lower)
    for code, vocabulary in _LATIN_WORDS.items():
        hits = sum(1 for word in words if word in vocabulary)
        marked = any(ch in _LATIN_LETTERS[code] for ch in lower)
        if hits >= 2 + (0 if marked else 1) or (hits >= 2 and len(words) <= 3):
            return code
    return None
