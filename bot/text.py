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
