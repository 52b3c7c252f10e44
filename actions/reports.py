"""Rules of field reports (phản ánh hiện trường), free of any framework: categories, phone numbers,
places, tracking codes and description limits. The form, the store and Open311 all use these."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from bot.text import fold_key, normalize

MAX_DESCRIPTION_CHARS = 4000
TRACKING_CODE_RE = re.compile(r"\bHUE-(\d{4})-(\d{6})\b", re.IGNORECASE)

# Huế city (the former Thừa Thiên Huế province) as a coarse (lat, lon) polygon, clockwise from the
# coast at the Quảng Trị border: along the coast to Hải Vân, west along the ridge facing Đà Nẵng, the
# Quảng Nam and Laos borders, back north. Accurate to a few km at the border; a pin outside is refused.
HUE_AREA = (
    (16.78, 107.20), (16.58, 107.62), (16.40, 107.92), (16.33, 108.02), (16.22, 108.17),
    (16.18, 108.12), (16.10, 107.95), (16.05, 107.75), (15.99, 107.50), (16.00, 107.20),
    (16.10, 107.05), (16.35, 107.00), (16.55, 107.05),
)


@dataclass(frozen=True)
class Category:
    code: str
    vi: str
    en: str
    # Folded, lower case, matched as whole words. Avoid bare syllables that fold onto other words
    # ("ồn" → "on", "cống" → "cong" as in "công viên", "cây" → "cay" as in "cây xăng").
    keywords: Tuple[str, ...]


CATEGORIES: Tuple[Category, ...] = (
    Category("road_damage", "Hư hỏng đường sá", "Road damage",
             ("o ga", "ho ga", "o voi", "lun", "sut lun", "nut duong", "hu duong", "pothole", "road damage",
              "cracked road", "mat duong",
              "nut toac", "sup lo", "duong bi sup", "ho tu than", "sinkhole", "cracks in the road", "crack in the road",
              "road is cracked", "potholes", "nut mat duong", "bong troc")),
    Category("street_lighting", "Chiếu sáng công cộng", "Street lighting",
             ("den duong", "den chieu sang", "cot den", "street light", "streetlight", "lamp post", "lamp", "cot dien",
              "den tin hieu", "den giao thong", "den xanh do", "traffic light", "traffic lights", "street lights",
              "den cao ap", "bong den", "den cong vien", "street lamp", "street lamps", "streetlights", "lights are out",
              "lights are off", "light is out", "light is off", "lamps")),
    Category("waste", "Rác thải, vệ sinh", "Waste and sanitation",
             ("rac", "rac thai", "thung rac", "xa rac", "garbage", "trash", "rubbish", "litter", "waste",
              # construction debris, dead animals, bins
              "xa ban", "phe thai", "phe thai xay dung", "dat da", "xac chet", "xac dong vat", "xac chuot", "xac cho",
              "xac meo", "xac ga", "chuot chet", "cho chet", "meo chet", "ga chet", "ca chet", "con vat chet",
              "bin", "bins", "dumpster", "dumpsters", "rubble", "debris", "dumped", "dumping", "fly tipping",
              "dead dog", "dead cat", "dead rat", "dead rats", "dead animal", "dead fish", "carcass")),
    Category("flooding", "Ngập úng, thoát nước", "Flooding and drainage",
             ("ngap", "ngap nuoc", "ngap ung", "nap cong", "ong cong", "cong thoat nuoc", "thoat nuoc",
              "flood", "flooding", "flooded", "floods", "nuoc thai", "cong bi tac", "tac cong", "cong bi nghet",
              "cong nghet", "cong tac nghen", "cong tran", "cong bi tran", "tran cong", "blocked drain", "sewage", "waterlogged",
              "drain", "drainage", "manhole",
              "muong", "muong nuoc", "tac muong", "muong thoat nuoc", "gutter", "gutters", "ditch", "clogged drain",
              "drains", "storm drain", "sewer")),
    Category("trees", "Cây xanh", "Trees",
             ("cay xanh", "cay do", "cay nga", "cay gay", "cay nghieng", "nhanh cay", "canh cay", "bat goc",
              "tree", "fallen tree", "branch",
              "nhanh lon", "gay nhanh", "gay canh", "trees", "branches", "tree branch")),
    Category("urban_order", "Trật tự đô thị, lấn chiếm", "Urban order and encroachment",
             ("lan chiem", "via he", "lan chiem via he", "xay dung trai phep", "quang cao", "encroach",
              "encroachment", "sidewalk", "pavement", "illegal construction",
              "hang rong", "dau xe", "do xe", "dau tran", "chiem duong", "footpath", "parked", "parking on the",
              "street vendors", "vendors", "pavement tiles", "gach via he")),
    Category("noise_pollution", "Tiếng ồn, ô nhiễm", "Noise and pollution",
             ("on ao", "tieng on", "qua on", "karaoke", "o nhiem", "mui hoi", "boc mui", "khoi bui", "noise",
              "noisy", "loud", "music", "smell", "smoke", "pollution", "dust",
              "loa keo", "loa", "bui min", "xa bui", "xa khoi", "blasting")),
    Category("water_supply", "Cấp nước", "Water supply",
             ("mat nuoc", "cup nuoc", "nuoc yeu", "vo ong", "ong nuoc", "nuoc duc", "water outage",
              "no water", "burst pipe", "water pipe", "water supply",
              "be ong", "ong nuoc bi be", "nuoc may", "nuoc xit", "nuoc vang", "water main", "pipe burst", "leaking pipe",
              "tap water")),
    Category("forest_fire", "Cháy rừng", "Forest fire",
             ("chay rung", "chay doi", "chay co", "forest fire", "wildfire", "hill fire", "fire on the hill")),
    Category("other", "Khác", "Other", ()),
)
CATEGORY_BY_CODE: Dict[str, Category] = {c.code: c for c in CATEGORIES}
_KEYWORD_RES = [(c, [re.compile(rf"(?<!\w){re.escape(k)}(?!\w)") for k in c.keywords]) for c in CATEGORIES]


def _category_match(key: str) -> Optional[Tuple[str, int, int]]:
    """(category code, end and start of its keyword in `key`) for the longest keyword found, or None."""
    best: Optional[Tuple[int, str, int, int]] = None
    for category, patterns in _KEYWORD_RES:
        for keyword, pattern in zip(category.keywords, patterns):
            match = pattern.search(key)
            if match and (best is None or len(keyword) > best[0]):
                best = (len(keyword), category.code, match.end(), match.start())
    return (best[1], best[2], best[3]) if best else None


def detect_category(text: str) -> Optional[str]:
    """The category a message names ("đèn đường hỏng" → street_lighting), or None.

    The longest matching keyword wins, so "nắp cống" beats "cống" and "cháy rừng" beats "cháy"."""
    match = _category_match(fold_key(text))
    return match[0] if match else None


# Words that introduce a place, folded; longer ones first so "in front of" wins over "in".
_PLACE_MARKER_RE = re.compile(
    r"(?<!\w)(in front of|opposite|outside|near|next to|behind|across|along|at|on|in|by|tai|o|tren|gan|truoc so|truoc cong|"
    r"truoc nha|truoc cua|truoc|phia truoc|phia sau|sau nha|ben canh|doi dien|doan|khu vuc|cuoi|giua|quanh)\s+(?=\w)")
# A street, alley or landmark named without a place word ("cây đổ chắn ngang đường Kim Long").
_PLACE_NOUN_RE = re.compile(r"(?<!\w)(?:duong|pho|kiet|hem|ngo|cau|cho|phuong|so nha|so|nha so|\d+)\s+(?=\w)")
# Time words that end a place ("… ở Lê Lợi mấy hôm nay", "… on Le Loi since yesterday"); folded.
_PLACE_END_RE = re.compile(
    r"(?:^|\s)(?:may|hom qua|hom nay|tu hom|tu sang|tu toi|tu chieu|tu tuan|suot|ca tuan|ca thang|luc nay|"
    r"since|for days|for a week|for weeks|all night|every night|every day|today|yesterday|last night|"
    r"is|are|was|were|has|have|keeps|bi|rat|qua|lam)(?!\w)")
# "quá", "lắm" follow an adjective, never a name: "ra đường hôi quá" names no street "Hôi".
_INTENSIFIERS = frozenset({"qua", "lam"})
# Words that alone do not say where ("the road", "my homestay", "trước cổng trường", "ở đường"): a
# place needs a name or a number besides these.
_GENERIC_PLACE_WORDS = frozenset("""
the a an my our his her their this that these those here there of in on at to near by outside front back
side middle end corner road roads street streets st lane alley sidewalk pavement house home homestay hotel
school gate market river bank bridge park area neighbourhood neighborhood city town place building shop
nha cong truong cho song cau goc duong pho kiet hem ngo ga day do nay kia giua ben canh truoc sau cua
minh toi em khu xom lang via he le o tai tren gan ngay doan cuoi dau quanh phia khu vuc ngoai trong chung ven bo
cu chung_cu toa so nha
""".split())
_REPORT_LEAD_RE = re.compile(
    r"^(?:(?:toi|minh|em|anh|chi|cho toi|cho minh|i)\s+)?(?:(?:muon|can|xin|want to|would like to|need to|"
    r"'d like to)\s+)?(?:bao cao|phan anh|bao|report|file a report about|file a report)\s+(?:ve|la|co|"
    r"about|that|there is|there's)?\s*")


def _named(place_key: str) -> bool:
    """The place holds a number or a word that is not generic ("12 le loi", "dong ba market")."""
    words = re.findall(r"\w+", place_key)
    return any(w.isdigit() or any(c.isdigit() for c in w) or w not in _GENERIC_PLACE_WORDS for w in words)


def _place_from(text: str, key: str, start: int) -> Optional[str]:
    place = re.split(r"[,.;!?\n]", text[start:], maxsplit=1)[0]
    place_key = key[start:start + len(place)]
    when = _PLACE_END_RE.search(place_key)  # "ở Lê Lợi mấy hôm nay": the place ends before "mấy"
    if when:
        ends_clause = not place_key[when.end():].strip()
        place, place_key = place[:when.start()], place_key[:when.start()]
        if ends_clause and when.group().strip() in _INTENSIFIERS:  # "… hôi quá": drop the adjective
            cut = place_key.rstrip().rfind(" ")
            place, place_key = place[:max(cut, 0)], place_key[:max(cut, 0)]
    place = place.strip()
    return place if len(place) >= 2 and _named(place_key) else None


def extract_place(text: str) -> Optional[str]:
    """The place a report message names, as the user wrote it ("đèn đường hỏng ở Lê Lợi" → "Lê Lợi").

    Looks for a place word (ở, tại, trên, gần, trước, at, on, near …) after the problem's keyword, so
    the "ổ" of "ổ gà" is not taken for "ở"; the place runs to the end of the clause. A place that is
    only generic words ("on the road", "trước cổng trường") is none. Without a place word, a street,
    alley or house number named after the problem is the place ("chắn ngang đường Kim Long")."""
    text = normalize(text)
    key = fold_key(text)
    if len(key) != len(text):  # folding changed the length (rare letters): positions would not match
        return None
    category = _category_match(key)
    start = category[1] if category else 0
    for pattern, keep_word in ((_PLACE_MARKER_RE, False), (_PLACE_NOUN_RE, True)):
        for match in pattern.finditer(key, start):
            place = _place_from(text, key, match.start() if keep_word else match.end())
            if place:
                return place
    # Nothing after the keyword: a place named before it, with a place word ("cây trước số 17 Đống Đa bị
    # gãy nhánh"), as long as it ends before the keyword.
    keyword_start = category[2] if category else 0
    for match in _PLACE_MARKER_RE.finditer(key, 0, keyword_start):
        place = _place_from(text[:keyword_start], key[:keyword_start], match.end())
        words = (place or "").split()
        cut = next((i for i, word in enumerate(words) if fold_key(word) in _CLAUSE_OPENERS), len(words))
        words = words[:cut]  # "on le loi there's a big pothole", "ở kiệt 5 Lê Lợi có ổ gà": the place ends
        while words and fold_key(words[-1]) in _LINKING_WORDS:
            words.pop()
        if words and _clearly_a_place(words):
            return " ".join(words)
    return None


_PLACE_NOUN_START_RE = re.compile(r"^(?:duong|pho|kiet|hem|ngo|cau|cho|phuong|so nha|so)$")


def _clearly_a_place(words: List[str]) -> bool:
    """Before the problem's keyword, only a house number or a capitalised name after a place noun is
    taken ("trước số 17 Đống Đa", "trên đường Lê Lợi"): "trên đường đi làm", "in the morning" are not."""
    if any(ch.isdigit() for word in words for ch in word):
        return True
    return (len(words) >= 2 and bool(_PLACE_NOUN_START_RE.match(fold_key(words[0]))) and words[1][:1].isupper())


_CLAUSE_OPENERS = frozenset("co thi there theres there's".split())
_LINKING_WORDS = frozenset("la con cai mot nhieu is are a an the has have".split())


def describe_from_message(text: str) -> Optional[str]:
    """The problem as the first message states it, without "tôi muốn phản ánh" / "I want to report";
    None when the message does not name a problem (no category keyword)."""
    text = normalize(text)
    if detect_category(text) is None:
        return None
    key = fold_key(text)
    lead = _REPORT_LEAD_RE.match(key)
    rest = text[lead.end():] if lead and len(key) == len(text) else text
    rest = rest.strip(" ,.:-")
    return (rest[:1].upper() + rest[1:]) if len(rest) >= 3 else None


def category_from_answer(text: str) -> Optional[str]:
    """A category chosen by button payload (its code), by its vi/en name, or by keywords."""
    value = normalize(text).strip("/ ").lower()
    if value in CATEGORY_BY_CODE:
        return value
    for category in CATEGORIES:
        short_vi, short_en = SHORT_TITLES[category.code]
        if fold_key(value) in (fold_key(category.vi), fold_key(short_vi)) or value in (
                category.en.lower(), short_en.lower()):
            return category.code
    return detect_category(text)


_PHONE_DIGITS_RE = re.compile(r"[\s.\-()]")


def normalize_phone(text: str) -> Optional[str]:
    """Vietnamese phone numbers to E.164 (+84…), or None when the text is not one.

    Accepts 0905 123 456, 0905.123.456, +84 905 123 456, 84905123456 and landlines such as
    0234 3822 222 (area codes start with 2)."""
    raw = _PHONE_DIGITS_RE.sub("", normalize(text))
    if raw.startswith("+84"):
        national = raw[3:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        national = raw[2:]
    elif raw.startswith("0"):
        national = raw[1:]
    else:
        return None
    if not national.isdigit():
        return None
    mobile = len(national) == 9 and national[0] in "35789"
    landline = len(national) == 10 and national[0] == "2"
    return f"+84{national}" if mobile or landline else None


def mask_phone(phone: Optional[str]) -> str:
    """For logs: "+84905123456" → "+84*****3456"; never a full number."""
    if not phone:
        return "-"
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:]


def trim_description(text: str, limit: int = MAX_DESCRIPTION_CHARS) -> Tuple[str, bool]:
    """NFC text cut at the last word boundary within `limit`; (text, was_trimmed)."""
    text = normalize(text)
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    boundary = cut.rfind(" ")
    return (cut[:boundary] if boundary > limit // 2 else cut).rstrip(), True


def in_hue_area(latitude: float, longitude: float) -> bool:
    """Point in polygon (ray casting) against HUE_AREA."""
    inside = False
    points = HUE_AREA
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:] + points[:1]):
        if (lon1 > longitude) != (lon2 > longitude):
            crossing = lat1 + (longitude - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if latitude < crossing:
                inside = not inside
    return inside


def distance_m(a: Tuple[float, float], b: Tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def tracking_code(year: int, number: int) -> str:
    return f"HUE-{year:04d}-{number:06d}"


def find_tracking_code(text: Optional[str]) -> Optional[str]:
    """The first tracking code in `text`, upper-cased, or None."""
    match = TRACKING_CODE_RE.search(text or "")
    return f"HUE-{match.group(1)}-{match.group(2)}" if match else None


# Button titles for the categories: short enough for two buttons side by side on a phone.
SHORT_TITLES: Dict[str, Tuple[str, str]] = {
    "road_damage": ("Đường hư hỏng", "Road damage"),
    "street_lighting": ("Đèn đường", "Street lights"),
    "waste": ("Rác, vệ sinh", "Waste"),
    "flooding": ("Ngập, thoát nước", "Flooding, drains"),
    "trees": ("Cây xanh", "Trees"),
    "urban_order": ("Lấn chiếm", "Encroachment"),
    "noise_pollution": ("Ồn, ô nhiễm", "Noise, pollution"),
    "water_supply": ("Cấp nước", "Water supply"),
    "forest_fire": ("Cháy rừng", "Forest fire"),
    "other": ("Khác", "Other"),
}


def category_buttons(language: str) -> List[Dict[str, str]]:
    return [{"title": SHORT_TITLES[c.code][1 if language == "en" else 0], "payload": c.code} for c in CATEGORIES]


# Status lifecycle: received → in_progress → resolved | rejected; a report may also be closed straight
# from received. Closed reports are final (reopening is a new report).
STATUS_TRANSITIONS: Dict[str, Tuple[str, ...]] = {
    "received": ("in_progress", "resolved", "rejected"),
    "in_progress": ("resolved", "rejected"),
    "resolved": (),
    "rejected": (),
}
OPEN_STATUSES: Tuple[str, ...] = ("received", "in_progress")
CLOSED_STATUSES: Tuple[str, ...] = ("resolved", "rejected")


def next_statuses(status: Optional[str]) -> Tuple[str, ...]:
    """The statuses a report in `status` may move to (none for closed or unknown statuses)."""
    return STATUS_TRANSITIONS.get(status or "", ())
