"""Which aspect of a topic a short follow-up asks about: fee, duration, where, documents, online,
hours or contact ("bao lâu thì có?", "phi bao nhieu", "is it open on sunday").

Matching is on the accent-folded, lower-case text (bot.text.fold_key), whole words only, so the same
phrase list serves Vietnamese with and without diacritics. The phrases are also what
`topic_words` strips to see whether a message names anything besides the aspect.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from bot.text import fold_key

# The order is the order of the answer's buttons and, for a message that matches several aspects,
# the priority ("trả online" is about doing it online, "mất mấy ngày làm việc" about the duration).
ASPECTS: Tuple[str, ...] = ("fee", "duration", "where", "documents", "online", "hours", "contact")
PRIORITY: Tuple[str, ...] = ("online", "duration", "hours", "fee", "documents", "contact", "where")

# Button titles and the words a reply uses for each aspect (vi, en), short enough for a phone.
LABELS: Dict[str, Tuple[str, str]] = {
    "fee": ("Phí, giá", "Fee, price"),
    "duration": ("Thời gian", "How long"),
    "where": ("Ở đâu", "Where"),
    "documents": ("Giấy tờ", "Documents"),
    "online": ("Làm online", "Online"),
    "hours": ("Giờ mở cửa", "Opening hours"),
    "contact": ("Liên hệ", "Contact"),
}
# "về phí" / "about the fee": how a reply names the aspect it has no text for.
NAMES: Dict[str, Tuple[str, str]] = {
    "fee": ("phí, giá", "the fee or price"),
    "duration": ("thời gian giải quyết", "how long it takes"),
    "where": ("nơi làm", "where to go"),
    "documents": ("giấy tờ cần mang", "the documents needed"),
    "online": ("làm trực tuyến", "doing it online"),
    "hours": ("giờ mở cửa", "opening hours"),
    "contact": ("số liên hệ", "whom to contact"),
}

# Folded phrases (vi, vi without diacritics and en alike), matched as whole words.
PHRASES: Dict[str, Tuple[str, ...]] = {
    "online": (
        "online", "onl", "truc tuyen", "qua mang", "tren mang", "qua app", "tren app", "dich vu cong",
        "dichvucong", "vneid", "cong dich vu cong", "qua internet", "tai nha duoc", "internet", "website",
        "on the web", "web", "app", "e wallet", "qua buu dien", "by post", "by mail",
    ),
    "duration": (
        "bao lau", "bao lau thi co", "mat bao lau", "may ngay", "bao nhieu ngay", "may hom", "may tuan",
        "bao nhieu lau", "lau khong", "lau ko", "lau k", "khi nao co", "khi nao xong", "bao gio co",
        "bao gio xong", "bao gio nhan", "khi nao nhan", "ngay lam viec", "thoi han", "thoi gian giai quyet",
        "thoi gian xu ly", "how long", "hw long", "how many days", "how many weeks", "take long", "processing time",
        "when will i get", "when do i get", "when can i get", "turnaround", "how soon", "deadline", "han chot",
        "han cuoi", "trong bao lau", "ready", "be ready", "when is it ready", "when will it be ready",
    ),
    "hours": (
        "gio mo cua", "mo cua", "dong cua", "may gio", "gio lam viec", "lam viec", "gio nao", "khung gio",
        "thu 7", "thu bay", "chu nhat", "cuoi tuan", "ngay le", "buoi toi", "ban dem", "open", "opens",
        "opening", "opening hours", "opning", "opening hrs", "hrs", "close", "closes", "closing", "what time", "hours", "sunday",
        "saturday", "weekend", "weekends", "holiday", "holidays", "at night", "tonight", "today",
        # days as typed in chat: "t7", "cn" (chủ nhật), "thu 2"; "có mở không"
        "t2", "t3", "t4", "t5", "t6", "t7", "cn", "thu 2", "thu 3", "thu 4", "thu 5", "thu 6", "co mo",
        "mo ko", "mo khong", "mo k", "monday", "friday",
    ),
    "fee": (
        "phi", "le phi", "chi phi", "mat phi", "ton phi", "bao nhieu tien", "het bao nhieu", "mat tien",
        "ton tien", "het tien", "mat bao nhieu", "ton bao nhieu", "het bao nhieu tien", "mat bao nhieu tien",
        "ton bao nhieu tien", "het bn tien", "het bn", "phi bn", "bn tien", "bnhieu tien", "gia ve",
        "gia bao nhieu", "gia ca", "gia tien", "gia the nao", "gia sao", "ve bao nhieu", "ve bn", "mua ve",
        "mat ve", "can ve", "may nghin", "bao nhieu nghin", "may tram", "may chuc nghin", "how much per",
        "need a ticket",
        "ve vao", "ve vao cua", "ve vao cong", "mien phi", "thanh toan", "tra tien", "quet the", "tra bang the",
        "bang the", "chuyen khoan", "tien mat", "fee", "fees", "cost", "costs", "price", "prices",
        "how much", "hw much", "how mch", "ticket", "tickets", "pay", "paying", "payment", "by card", "credit card", "debit card",
        "cash", "free", "charge", "charged", "entrance fee", "entry fee", "admission", "per person",
        "bao nhieu", "nhieu tien", "bao tien", "het nhieu", "het nhieu tien", "mat nhieu tien", "ton nhieu tien", "bao nhiu", "nhiu tien", "bnhiu", "bnhieu",
        "giam gia", "mien giam", "discount", "discounts", "student price", "momo", "zalopay", "vnpay",
        "ma qr", "qr code",
    ),
    "documents": (
        "giay to", "giay to gi", "ho so", "ho so gom", "can gi", "can nhung gi", "mang gi", "mang theo",
        "mang nhung gi", "to khai", "chuan bi gi", "documents", "document", "papers", "paperwork",
        "what do i need", "what should i bring", "bring", "forms", "form", "requirements", "mau don", "mau to khai",
        "ban sao", "giay gi",
    ),
    "contact": (
        "goi ai", "goi so", "goi so nao", "so dien thoai", "sdt", "so dt", "so dthoai", "dien thoai", "hotline", "lien he",
        "lien lac", "tong dai", "hoi ai", "call", "phone", "contact", "number", "who do i call",
        "who should i call", "email",
    ),
    "where": (
        "o dau", "o mo", "cho nao", "noi nao", "dia chi", "di dau", "den dau", "lam dau", "nop dau",
        "nop o dau", "lam o dau", "toi dau", "where", "whr", "wher", "address", "location", "which office",
        "get there", "how do i get there", "how to get there", "how far", "far from", "bao xa", "xa khong",
        "xa ko", "distance", "is it far", "far", "from the city centre", "from the city center", "from the centre", "from the center",
        "from downtown", "tu trung tam", "cach trung tam",
    ),
}

# Words that carry no topic of their own in a follow-up ("thì", "vậy", "còn", "is it", "apply").
# English words that fold onto a meaningful Vietnamese syllable stay out ("can" as in căn cước, "the"
# as in thẻ, "so do" as in sổ đỏ, "ho" as in hộ chiếu, "on" as in ồn).
FILLER = frozenset("""
a ad ah ak alo ban bao bn cai cho chu co con cua da dau de di dc duoc em gi ha hai hoi ko k khong la lam
luon ma minh moi nao nay neu nhi nhieu nho nhu nua oi phai r roi sao se t ta thi thoi toi tu va vay vs z
nop xin dang ky tuc nhung mot hay cac luc tra het lay mat ai
i and any are at could does for get how if is it its of or please that there this what when where which
who will with would you your about also still just we u apply applying application submit need needed
go going want
""".split())
# Said around a follow-up, never a topic: "ok", "thanks", "cảm ơn", "kết quả" ("bao lâu thì có kết quả").
FILLER_PHRASES = re.compile(r"(?<!\w)(ok|oke|okay|thanks|thank you|thx|tks|cam on|ket qua|vang|da vang|"
                            r"the con|vay con)(?!\w)")
# Who a follow-up is for ("cost for kids?", "có giảm giá cho sinh viên không"): a qualifier of the topic
# just discussed, never a topic of its own there.
FILLER_PHRASES_WHO = re.compile(r"(?<!\w)(kids?|children|child|students?|seniors?|elderly|adults?|babies|baby|"
                                r"foreigners?|tourists?|visitors?|my (?:wife|husband|son|daughter|mother|father)|"
                                r"tre em|tre nho|em be|sinh vien|hoc sinh|nguoi gia|nguoi cao tuoi|nguoi lon|"
                                r"nguoi nuoc ngoai|khach nuoc ngoai|du khach|khach du lich)(?!\w)")
# Only in English messages: words that fold onto a Vietnamese syllable with a meaning of its own
# ("can" as in căn cước, "the" as in thẻ, "to" as in tờ khai) are filler there.
FILLER_EN = frozenset("""
a an the to do does did doing done can could may might must should shall in on by as from than then so
too very more much many long take takes taking bring brought there here my me mine our it's its im i'm
anything something everything like whats what's s d ll ve re be been being was were am has have had
ok okay thanks thank hi hey hello yes no yeah yep sure one ones thing things get gets got book booking
office offices place counter desk
""".split())
# Vietnamese without diacritics: "can" is "cần" (need) or "căn" (căn cước, căn hộ), "mang" is "mang"
# (bring) or "Mạng" (Minh Mạng), "minh" is "mình" (I) or "Minh": filler except in these pairs.
_KEEP_PAIRS = frozenset({("can", "cuoc"), ("can", "ho"), ("minh", "mang")})
_PAIRED_FILLER = frozenset({"can", "mang", "minh"})

_COMPILED: List[Tuple[str, re.Pattern]] = [
    (aspect, re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in
                                                sorted(PHRASES[aspect], key=len, reverse=True)) + r")(?!\w)"))
    for aspect in PRIORITY
]


# "for that", "cái đó": the message points back at the topic just discussed, so it never switches.
_BACK_REFERENCE = re.compile(r"(?<!\w)((?:for|about|with|on|of|to|from|by|in) (?:it|that|this|them)|that one|"
                             r"this one|cho viec do|viec do|viec nay|cai do|cai nay|cho do|o do|cho cai do)(?!\w)")


def refers_back(text: str) -> bool:
    return bool(_BACK_REFERENCE.search(fold_key(text)))


_NOT_AN_ASPECT = re.compile(r"(?<!\w)(bao nhieu tuoi|may tuoi|how old)(?!\w)")  # an age, not a price


def detect_aspect(text: str) -> Optional[str]:
    """The aspect a message asks about, or None."""
    key = _NOT_AN_ASPECT.sub(" ", fold_key(text))
    for aspect, pattern in _COMPILED:
        if pattern.search(key):
            return aspect
    return None


def _small_number(word: str) -> bool:
    """"2 ngày", "50 nghìn": a count, not a topic; "1900 1075", "113" name a line and stay."""
    return word.isdigit() and len(word) < 3


def topic_words(text: str, language: str = "vi") -> List[str]:
    """The message's words once aspect phrases and filler are removed: what could name a topic."""
    key = FILLER_PHRASES_WHO.sub(" ", FILLER_PHRASES.sub(" ", fold_key(text)))
    for _, pattern in _COMPILED:
        key = pattern.sub(" ", key)
    words = re.findall(r"\w+", key)
    if language == "en":
        return [w for w in words if w not in FILLER and w not in FILLER_EN and not _small_number(w)]
    def kept(n: int, w: str) -> bool:
        if w in _PAIRED_FILLER:
            return (n + 1 < len(words) and (w, words[n + 1]) in _KEEP_PAIRS) or \
                (n > 0 and (words[n - 1], w) in _KEEP_PAIRS)
        return w not in FILLER and not _small_number(w)
    return [w for n, w in enumerate(words) if kept(n, w)]


# "Xem thêm", "More", "tell me more": the rest of the entry answered last.
_MORE = re.compile(r"^(xem them|them|chi tiet|chi tiet hon|noi them|more|tell me more|more info|more details|"
                   r"details|show more|read more)$")


def asks_more(text: str) -> bool:
    return bool(_MORE.match(" ".join(re.findall(r"\w+", fold_key(text)))))


# "còn tiền điện thì sao", "what about the train": an opener that, with words of its own, asks about a
# new topic (without them, "còn giá vé?", it is about the topic just discussed).
NEW_TOPIC_OPENER = re.compile(r"^(ok |oke |okay )?(con|the con|vay con|the thi|con ve|what about|how about|"
                              r"and what about|and how about|and)(?!\w)")


# A question, not a statement that happens to hold an aspect word ("my phone battery is almost dead").
_QUESTION = re.compile(r"\?|^(how|what|whats|when|where|which|who|why|can|could|is|are|do|does|did|will|any|"
                       r"should|may)(?!\w)|(?<!\w)(bao|gi|dau|nao|khong|ko|k|hong|chua|sao|may|ai|ntn|mo|rang|"
                       r"the nao|duoc khong|dc ko|dc k|ha|nhi)(?!\w)")
_ASPECT_ALONE_WORDS = 3  # "price", "Giấy tờ", "opening hours": an aspect alone (a typed button title)


def looks_like_question(text: str) -> bool:
    """A question ("?", a question word), not a statement ("my phone battery is almost dead")."""
    return bool(_QUESTION.search(fold_key(text)))


def looks_like_follow_up(text: str) -> bool:
    """Asks about an aspect, for "more", or opens with "còn …" / "and what about …": a message the
    knowledge answer should resolve against the topic just discussed (bot.nlu.MessageGuard uses it
    for messages the classifier could not place)."""
    key = fold_key(text)
    if asks_more(text) or NEW_TOPIC_OPENER.match(key):
        return True
    return detect_aspect(text) is not None and (bool(_QUESTION.search(key))
                                                or len(key.split()) <= _ASPECT_ALONE_WORDS)


def label(aspect: str, language: str) -> str:
    vi, en = LABELS[aspect]
    return en if language == "en" else vi


def name(aspect: str, language: str) -> str:
    vi, en = NAMES[aspect]
    return en if language == "en" else vi
