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
        "thoi gian xu ly", "how long", "how many days", "how many weeks", "take long", "processing time",
        "when will i get", "when do i get", "when can i get", "turnaround", "how soon",
    ),
    "hours": (
        "gio mo cua", "mo cua", "dong cua", "may gio", "gio lam viec", "lam viec", "gio nao", "khung gio",
        "thu 7", "thu bay", "chu nhat", "cuoi tuan", "ngay le", "buoi toi", "ban dem", "open", "opens",
        "opening", "opening hours", "close", "closes", "closing", "what time", "hours", "sunday",
        "saturday", "weekend", "weekends", "holiday", "holidays", "at night", "tonight", "today",
    ),
    "fee": (
        "phi", "le phi", "chi phi", "mat phi", "ton phi", "bao nhieu tien", "het bao nhieu", "mat tien",
        "ton tien", "het tien", "mat bao nhieu", "ton bao nhieu", "bn tien", "bnhieu tien", "gia ve",
        "gia bao nhieu", "gia ca", "gia tien", "gia the nao", "gia sao", "ve bao nhieu", "ve bn", "mua ve",
        "mat ve", "can ve", "may nghin", "bao nhieu nghin", "may tram", "may chuc nghin", "how much per",
        "need a ticket",
        "ve vao", "ve vao cua", "ve vao cong", "mien phi", "thanh toan", "tra tien", "quet the", "tra bang the",
        "bang the", "chuyen khoan", "tien mat", "fee", "fees", "cost", "costs", "price", "prices",
        "how much", "ticket", "tickets", "pay", "paying", "payment", "by card", "credit card", "debit card",
        "cash", "free", "charge", "charged",
    ),
    "documents": (
        "giay to", "giay to gi", "ho so", "ho so gom", "can gi", "can nhung gi", "mang gi", "mang theo",
        "mang nhung gi", "to khai", "chuan bi gi", "documents", "document", "papers", "paperwork",
        "what do i need", "what should i bring", "bring", "forms", "form", "requirements",
    ),
    "contact": (
        "goi ai", "goi so", "goi so nao", "so dien thoai", "sdt", "dien thoai", "hotline", "lien he",
        "lien lac", "tong dai", "hoi ai", "call", "phone", "contact", "number", "who do i call",
        "who should i call", "email",
    ),
    "where": (
        "o dau", "o mo", "cho nao", "noi nao", "dia chi", "di dau", "den dau", "lam dau", "nop dau",
        "nop o dau", "lam o dau", "toi dau", "where", "address", "location", "which office",
        "get there", "how do i get there", "how to get there", "how far", "far from", "bao xa", "xa khong",
        "xa ko", "distance", "from the city centre", "from the city center", "from the centre", "from the center",
        "from downtown", "tu trung tam", "cach trung tam",
    ),
}

# Words that carry no topic of their own in a follow-up ("thì", "vậy", "còn", "is it", "apply").
# English words that fold onto a meaningful Vietnamese syllable stay out ("can" as in căn cước, "the"
# as in thẻ, "so do" as in sổ đỏ, "ho" as in hộ chiếu, "on" as in ồn).
FILLER = frozenset("""
a ad ah ak alo ban bao bn cai cho chu co con cua da dau de di dc duoc em gi ha hai hoi ko k khong la lam
luon ma minh moi nao nay neu nhi nhieu nho nhu nua oi phai r roi sao se t ta thi thoi toi tu va vay vs z
nop xin dang ky tuc nhung mot hay cac
i and any are at could does for get how if is it its of or please that there this what when where which
who will with would you your about also still just we u apply applying application submit need needed
go going want
""".split())

_COMPILED: List[Tuple[str, re.Pattern]] = [
    (aspect, re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in
                                                sorted(PHRASES[aspect], key=len, reverse=True)) + r")(?!\w)"))
    for aspect in PRIORITY
]


# "for that", "cái đó": the message points back at the topic just discussed, so it never switches.
_BACK_REFERENCE = re.compile(r"(?<!\w)(for that|for it|for this|about that|that one|this one|cho viec do|"
                             r"viec do|viec nay|cai do|cai nay|cho do|o do|cho cai do)(?!\w)")


def refers_back(text: str) -> bool:
    return bool(_BACK_REFERENCE.search(fold_key(text)))


def detect_aspect(text: str) -> Optional[str]:
    """The aspect a message asks about, or None."""
    key = fold_key(text)
    for aspect, pattern in _COMPILED:
        if pattern.search(key):
            return aspect
    return None


def topic_words(text: str) -> List[str]:
    """The message's words once aspect phrases and filler are removed: what could name a topic."""
    key = fold_key(text)
    for _, pattern in _COMPILED:
        key = pattern.sub(" ", key)
    return [w for w in re.findall(r"\w+", key) if w not in FILLER and not w.isdigit()]


def label(aspect: str, language: str) -> str:
    vi, en = LABELS[aspect]
    return en if language == "en" else vi


def name(aspect: str, language: str) -> str:
    vi, en = NAMES[aspect]
    return en if language == "en" else vi
