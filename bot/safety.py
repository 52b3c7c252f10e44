"""Emergencies by keyword: which number a message needs (113 police, 114 fire and rescue, 115 ambulance).

The NLU's `emergency` intent is learned from examples; these patterns are its safety net (bot.nlu.
MessageGuard), so a message about someone bleeding, a fire, a crime happening now or people in danger
from water is never missed because a word was misspelt or unseen. Pure functions, matched on the
accent-folded text, so both Python environments can use them.
"""
from __future__ import annotations

import re
from typing import Optional, Tuple

from bot.text import fold_key

MEDICAL, FIRE, CRIME, RESCUE, GENERAL = "medical", "fire", "crime", "rescue", "general"
KINDS = (MEDICAL, FIRE, CRIME, RESCUE, GENERAL)


def _any(*patterns: str) -> "re.Pattern[str]":
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Folded text: "chảy máu" and "chay mau" look the same. "chay" alone is ambiguous (cháy = burning,
# chảy = flowing, chạy = running), so fire needs a second word.
_PATTERNS: Tuple[Tuple[str, "re.Pattern[str]"], ...] = (
    (RESCUE, _any(
        r"mac ket", r"bi ket (?:trong|tren|giua|lai|ben)", r"ket (?:ben |o )?(?:tren|trong) (?:mai|nha|gac|xe|nuoc)",
        r"ket ben trong", r"nuoc (?:lu )?cuon", r"lu cuon", r"cuon troi", r"duoi nuoc", r"chet duoi",
        r"bi co lap", r"can cuu ho", r"keu cuu", r"roi xuong (?:ho|song|nuoc|gieng|cong)", r"nhay cau",
        r"trapped", r"drowning", r"drowned", r"swept away", r"stuck inside", r"jumped off",
        r"(?:stuck|stranded) (?:in|on) (?:the |a |our |my )?(?:flood\w*|water|roof|car|house)",
        r"cut off by (?:the )?flood\w*", r"need(?:s)? (?:to be )?rescue\w*",
        r"fell into (?:the |a )?(?:lake|river|water|well|canal)", r"screaming for help",
        r"(?:thuyen|ghe|do) (?:bi )?lat", r"nuoc (?:van|dang|cu|con) (?:dang )?(?:len|dang len)",
        r"water (?:is )?still rising", r"water keeps rising", r"lat (?:thuyen|ghe|do)", r"dang chim", r"chim xuong",
        r"(?:khong|ko|k) (?:ra|thoat ra)(?: khoi nha)? duoc", r"ngap (?:toi|den|ngang|qua) (?:co|nguc|bung)",
        r"capsiz\w*", r"sinking", r"can'?t get out", r"up to (?:our|my|the|his|her) (?:waist|chest|neck)",
        # can't get out (dc = được), water to the chest or the roof, rising fast
        r"(?:chua|khong|ko|k|kh|hong) (?:ra|thoat|thoat ra|ra ngoai)(?: khoi nha)? (?:duoc|dc|noi)",
        r"(?:nuoc|ngap|lu|len) (?:\w+ )?(?:toi|den|ngang|qua|gan|sat|len) (?:co|nguc|bung|nach|mai|noc)(?!\w)",
        r"nuoc (?:lu )?(?:len|dang len|dang dang|dang cao|dang len cao|dang len nhanh) (?:rat |qua |that |cao )?nhanh",
        r"(?:dang|phai|deu|con) (?:o |ngoi |tru )?(?:tren|len) (?:noc|mai) nha",
        # buildings collapsing, landslides, someone crushed or buried, a stuck lift
        r"(?:nha|tuong|tran nha|cau|mai nha|cong trinh|gian giao) (?:bi |da |vua |moi )?sap (?:roi|xuong|hoan toan|de|co nguoi|tren|len)",
        r"sap (?:nha|tuong|tran|cau)", r"vui lap", r"bi vui", r"sat lo .{0,30}(?:vui|de|lap|nguoi)",
        r"(?:do|sap) de (?:len |trung |vao )?(?:nguoi|ba|ong|em|chau|be)\b", r"de len nguoi",
        r"ket (?:trong |o )?thang may", r"thang may (?:bi )?ket",
        r"(?:stuck|trapped) in (?:the |a )?(?:lift|elevator)", r"(?:lift|elevator) (?:is )?stuck",
        r"(?:house|building|wall|roof|bridge|ceiling|home)s? (?:has |have |just )?collapsed", r"landslide",
        r"mudslide", r"(?:fell|fall|fallen|jumped|slipped) (?:in|into|off) (?:the |a )?(?:lake|river|water|well|canal|sea|pool|flood\w*)",
        r"can'?t swim", r"ngat nuoc",
        # falling into water or a hole (té / lọt / rơi xuống giếng, hố ga, mương), carried off by the current
        r"(?:roi|te|nga|lot|rot|sa|truot|nhao|bi day|bi cuon)(?: chan| nga| te| tay)? (?:xuong|vao|xuong duoi) (?:cai |mot |con )?"
        r"(?:ho ga|ho|gieng|cong|song|muong|kenh|bien|ao|suoi|vuc|dam|rach|nuoc|ho boi|cong thoat nuoc)\b",
        r"(?:fell|fallen|slipped|dropped) (?:down )?(?:in|into|down) (?:a |an |the )?(?:\w+ )?(?:manhole|hole|drain|ditch|"
        r"sewer|pit|pond|stream|well|canal|river|lake)", r"troi (?:theo|giua|tren|ra) (?:dong |con )?(?:nuoc|song|lu|suoi)",
        r"bi (?:nuoc |lu |song )?cuon (?:di|troi|mat)", r"song (?:bien |lon |du )?cuon", r"bi (?:nuoc |lu |nuoc lu )(?:vay|bao vay|bao quanh)", r"nuoc (?:lu )?(?:bao vay|bao quanh)", r"swept (?:\w+ ){0,3}(?:off|away|into|down)", r"bi song (?:danh|cuon|keo)", r"(?:stuck|stranded|trapped) (?:in|on) (?:the |a |our |my )?(?:\w+ )?"
        r"(?:flood\w*|water|river)", r"(?:not|isn'?t) coming (?:back )?up", r"(?:khong|ko|k|chua) thay (?:noi |troi )?len", r"(?:nuoc|lu)(?: lu)? (?:dang |vua |da )?cuon", r"(?:chua|khong|ko|k) (?:duoc )?so tan", r"can (?:duoc )?so tan", r"(?:got|gets|getting|someone|somebody) buried", r"buried (?:alive|under|(?:by|in) (?:a |the )?(?:landslide|mud|rubble|debris|collapse|wall|sand))", r"(?:rising|coming in) (?:so )?(?:fast|quickly)", r"can'?t (?:leave|escape)",
    )),
    (FIRE, _any(
        r"chay nha", r"dam chay(?! mau)", r"chay lon", r"hoa hoan", r"boc chay", r"chay (?:xe|kho|xuong)",
        r"lua (?:lon|chay|lan|boc|ngun)", r"chay roi",
        r"ngun ngut", r"dang boc chay", r"dang chay (?:lon|du doi|ngun)", r"phat no", r"no tung", r"lua bung",
        r"boc khoi", r"chay o (?:chung cu|nha|cho|kho|xuong|tang|khach san|quan)",
        r"caught fire", r"catch(?:es|ing)? fire", r"smoke (?:is )?(?:pouring|coming|billowing)", r"explo(?:ded|sion)",
        r"on fire", r"(?:a|big|huge) fire", r"fire (?:in|at|next)", r"flames?",
        r"(?:house|building|car|bike|motorbike|shop|room|kitchen|market)s? (?:\w+ )*?(?:is |are )burning",
        # "nhà hàng xóm đang cháy" (not "xe đang chạy": a vehicle running is not a fire)
        r"(?:nha|quan|tiem|kho|xuong|phong|can ho|chung cu|khach san|nha hang|cua hang|karaoke|hang xom|ben canh)"
        r" (?:\w+ ){0,2}(?:dang |bi )chay(?! chuong trinh| khuyen mai| thu| bong| day| cau chi| xiet| mau| (?:ra|di|lai|ve|qua|theo|tron|len))",
        # "nhà bên cạnh cháy to lắm", "cháy chợ rồi", "cháy rừng": a building or place with how it burns
        r"(?:nha|quan|tiem|kho|phong|can ho|chung cu|khach san|nha hang|cua hang|hang xom|ben canh|cho)"
        r" (?:\w+ ){0,2}chay (?:to|lon|du|du doi|ngun|ngun ngut|het|rui|sach|bung)\b",
        r"chay (?:cho|nha kho|kho hang|tiem|quan) (?:\w+ )?(?:roi|lon|to|kia|ne|ba con|bay oi|nhanh)",
        # smoke pouring out of a building (smoke over a hill or from burning rubbish is a report)
        r"khoi (?:den |trang |xam )?(?:dang )?(?:boc|cuon|phut|toa|bay) (?:\w+ )?(?:len|ra) (?:tu |o |trong |khoi )?(?:\w+ ){0,2}"
        r"(?:nha|kho|tang|phong|can ho|chung cu|quan|tiem|xe|cua so|bep|xuong|khach san|cho)\b",
        r"chay (?:quan|tiem|phong tro|can ho|khach san|nha hang|cua hang|karaoke|chung cu)",
        r"chap dien (?:\w+ ){0,3}(?:chay|boc khoi|no)", r"(?:mui khet|khoi)\b.{0,40}\btoe lua", r"toe lua\b.{0,40}\b(?:mui khet|boc khoi|khoi)", r"(?:next door|upstairs|downstairs|across the street|building|place|hostel|hotel|"
        r"guesthouse|restaurant|bar|cafe|factory|warehouse|school|bus|truck|van|taxi)s? (?:\w+ )?(?:is |are )burning",
        r"burning down", r"chay do chap dien",
 r"fire(?= ?!)",
        r"ro ri (?:khi )?gas?\b", r"(?:ro|xi) gas", r"gas (?:bi )?(?:xi|ro)", r"binh (?:ga|gas) (?:\w+ ){0,3}(?:bi |dang )?(?:xi|ro|no|chay)",
        r"mui gas", r"(?:dang |bi )?boc lua", r"(?:fire|smoke) alarms? (?:is |are )?(?:going off|ringing|beeping|sounding)",
        r"smoke\b.{0,40}\balarms? (?:is |are )?(?:going off|ringing|beeping|sounding)",
        r"smell(?:s|ing)? (?:of )?smoke (?:in|inside|from) (?:the |my |our )?(?:room|hotel|building|house|apartment|"
        r"hallway|kitchen|flat)", r"phun lua",
        r"mui ga (?:\w+ )?(?:nong|xoc|bay|khap|nang|rat)", r"(?:ro|xi|ri) ga\b", r"gas leak\w*", r"leaking gas", r"smell(?:s|ing)? (?:of )?gas",
    )),
    (CRIME, _any(
        r"cuop", r"trom dang", r"dang (?:an )?trom", r"an trom", r"dot nhap", r"cam dao", r"cam sung",
        r"(?:thief|burglar|robber)s? (?:is|are)",
        r"pha khoa", r"ke gian", r"co dao", r"co sung", r"has a (?:knife|gun)", r"danh nhau", r"break (?:the |a )?lock", r"trying to break", r"threaten\w*",
        r"just (?:been )?stolen", r"(?:was|were|got) just stolen",
        r"chem nhau", r"(?:dang |vua )?chem (?:nguoi|chet|ong|ba|anh|chi|em|thang|may)", r"cam (?:rua|ma tau|kiem|hung khi|gay dap)", r"danh nguoi", r"danh hoi dong", r"bat coc", r"giet nguoi",
        r"robber\w*", r"robbing", r"break(?:ing)? in(?:to)?", r"broke in(?:to)?", r"stealing", r"snatch\w*",
        r"grabbed my", r"mugg\w*", r"knif\w*", r"knives", r"gun", r"beating (?:someone|him|her|a)",
        r"kidnap\w*",
        r"just stole", r"stole (?:\w+ ){1,4}(?:just now|right now|a (?:minute|moment|second) ago|minutes ago)",
        r"stole (?:\w+ ){1,4}and (?:ran|is running|rode|drove|took off|ran off)", r"stolen (?:just now|right now)",
        r"(?:is|are|'s|'re) (?:\w+ )?(?:hitting|beating|kicking|punching|attacking|choking|strangling) (?:his|her|a|an|the|my|"
        r"someone|him|me|us|people|their)",
        r"(?:bi )?moc (?:mat )?(?:tui|vi|bop|dien thoai|dt|tien)", r"bi (?:giat|moc|cuop|lay trom|trom) mat",
        r"trom (?:\w+ ){0,3}vua (?:xong|roi|moi)", r"vua (?:bi )?(?:lay trom|mat trom|trom|bi trom)",
        # someone being beaten, a thief inside now, a snatching, a door being forced
        r"(?:dang|vua) bi danh", r"bi danh (?:dap|hoi dong|chay mau|trong thuong|bam dap)", r"(?:dang|vua) (?:bi )?danh dap",
        r"hanh hung", r"(?:dang|vua) (?:danh|dam|chem) (?:\d+ |mot |may |hai |ca )?(?:ong|ba|nguoi|thang|co|chi|anh|em|be|dua|"
        r"chau|thanh nien|phu nu|dan ong|ong gia|ba gia|nhau)\b", r"(?:dang )?danh (?:vo|con|chong|nguoi ta)\b", r"de doa", r"(?:dang|bon no|chung no|tui no|may thang) dap pha",
        r"dang co (?:ke |thang |nguoi |dua )?(?:trom|cuop|gian)", r"trom (?:dang|leo|vao nha|o trong|trong nha|cay)",
        r"(?:giat|giut) (?:mat )?(?:tui|dien thoai|dt|day chuyen|vi|bop|tien|xe|do|non|balo|ba lo)", r"moc tui", r"an cap",
        r"(?:cay|pha|be) (?:cua|khoa|cong)", r"dap cua",
        r"beating (?:his|her|their|my|the|up|someone|him|a)", r"pickpocket\w*", r"\brobbed", r"brawl",
        r"(?:being|getting|been|was|were|got) (?:\w+ )?(?:attacked|assaulted|beaten|stabbed|robbed|mugged|threatened)",
        r"attacking (?:me|us|him|her|people|someone|a)", r"stab\w*", r"fight(?:ing)? (?:outside|in|at|on|near|with)",
    )),
    (MEDICAL, _any(
        r"chay mau", r"mau chay", r"bat tinh", r"ngat xiu", r"bi ngat", r"ngat roi", r"tu nhien ngat",
        r"xiu roi", r"bi xiu", r"hon me", r"khong tinh", r"ko tinh", r"bat dong", r"co giat",
        r"len con (?:co )?giat", r"dot quy", r"ngung tho", r"kho tho", r"bi xe(?: \w+)? (?:dung|tong|can|dam)",
        r"bi (?:dung|tong) xe", r"bi dam", r"tai nan", r"bi thuong", r"dap dau", r"dien giat", r"cap cuu",
        r"tim tai", r"mat (?:nhieu |rat nhieu )?mau", r"ra (?:nhieu |rat nhieu )?mau", r"(?:khong|ko|k) tho (?:duoc|noi)", r"nhoi mau", r"bi sac", r"gay (?:chan|tay|xuong|co)",
        r"broke (?:his|her|my|their) (?:leg|arm|neck|back)", r"fell off", r"blood everywhere", r"lots of blood",
        r"covered in blood", r"having a fit", r"(?:high|very high) (?:temperature|fever) and",
        r"isn'?t breathing", r"stopped breathing",
        r"bleed\w*", r"unconscious", r"passed out", r"fainted", r"not breathing", r"can'?t breathe",
        r"seizure\w*", r"convuls\w*", r"hit by a", r"run over", r"accident", r"(?:car|motorbike|bike|bus|truck|traffic) crash\w*", r"crashed into", r"pile-?up",
        r"badly (?:hurt|injured)", r"injured", r"(?:people|person|several|many|someone) (?:are |were |is |got )?hurt",
        r"heart attack", r"stroke", r"electric shock", r"isn'?t moving", r"not moving", r"ambulance",
        r"overdose",
        r"mau me (?:\w+ )?(?:tum lum|be bet|khap|day|lenh lang|chay)", r"be bet mau", r"dam mau", r"vung mau", r"there'?s blood", r"blood (?:on|all over|from)",
        r"(?:he|she|they|someone|somebody|man|woman|guy|lady|person|child|kid|boy|girl)(?:'s|'re| is| are)? "
        r"(?:\w+ )?(?:not|isn'?t|aren'?t|no longer) (?:answering|responding|moving|waking)",
        r"(?:he|she|they|someone|somebody|man|woman|guy|lady|person|child|kid|boy|girl)(?:'s|'re| is| are)? "
        r"(?:\w+ )?lying (?:on|in) (?:the )?(?:road|street|ground|floor|alley|pavement|sidewalk)",
        r"(?:hit|ran over|knocked (?:down|over)) (?:a|an|the|my|his|her|our|some) (?:\w+ )?(?:cyclist|pedestrian|child|"
        r"kid|man|woman|boy|girl|person|tourist|student|biker|rider|walker|lady|guy)",
        r"mau (?:\w+ ){0,2}(?:nhieu qua|nhieu lam|khong cam|ko cam|k cam|khong ngung|ko ngung|lenh lang|xoi xa|tuon|phun)",
        r"(?:khong|ko|k) cam (?:duoc )?mau", r"blood (?:\w+ ){0,2}(?:won'?t stop|wont stop|keeps|pouring|gushing|coming out)",
        r"electrocut\w*", r"(?:shocked|zapped) by (?:a |the )?(?:\w+ )?(?:wire|cable|power|electricity)",
        r"(?:sot|fever).{0,60}(?:mat (?:trong|tron|dai)|(?:tay chan|chan tay|nguoi) (?:\w+ )?cung)",
        r"(?:having|has|got|with|bad|severe|sudden|crushing) chest pains?", r"bi (?:kep|ket|de) (?:chan|tay|nguoi|duoi)", r"kep (?:\w+ )?duoi (?:xe|tuong|cay|dong|banh)",
        r"(?:pinned|trapped|crushed) (?:under|beneath|by)", r"nam guc", r"con tho (?:khong|ko|k|hay khong)\b",
        r"throat (?:is )?(?:closing|tight\w*|swell\w*)", r"anaphyla\w*", r"allergic reaction",
        r"(?:nga|te|guc)\b.{0,40}\b(?:khong|ko|k) (?:day|dung day|ngoi day|cu dong) (?:duoc|noi)",
        r"meo mieng", r"liet nua nguoi", r"noi (?:khong|ko|k) ra (?:tieng|loi)", r"face (?:is )?droop\w*",
        r"slurr\w* (?:his|her|their)? ?(?:speech|words)",
        r"(?:barely|hardly|struggling to|trouble|difficulty|can'?t|cant) breath\w*",
        r"tho (?:khong|ko|k) (?:duoc|noi|ra)", r"(?:face|throat|lips?|tongue|mat|hong|moi|luoi) (?:is |are |bi )?(?:swell\w*|sung)",
        r"sung (?:mat|hong|moi|luoi)",
        # fever with fits, poisoning, collapsing, falls from a height, bites, burns, choking; common typos
        r"(?:sot|fever).{0,60}(?:giat|tron mat|li bi|khong tinh|ko tinh|cung (?:nguoi|tay|co)|shak\w*|jerk\w*|twitch\w*|fits?|stiff\w*)",
        r"giat giat", r"giat (?:lien tuc|tung con|manh)", r"dong kinh", r"len con (?:hen|dau tim|dong kinh)",
        r"ngo doc", r"uong nham", r"nuot (?:phai|nham)", r"an nham", r"qua lieu", r"poison\w*", r"swallowed",
        r"drank (?:bleach|poison|pesticide|chemical)", r"guc (?:xuong|nga|tai cho)", r"nga guc", r"lan ra",
        r"(?:te|nga|roi) (?:tu )?(?:tren )?(?:cao|tang|lau|mai nha|gac|cay|gian giao)(?! toc)",
        r"(?:xe|oto|o to|xe tai|xe khach|xe buyt|xe may|container)(?: \w+){0,2} (?:tong|dam|can|dung|hit) "
        r"(?:vao |phai |trung |chet )?(?:nguoi|em be|be|ba|ong|chau|co gai|thanh nien|hoc sinh|ng)\b",
        r"(?:dung|tong|dam) (?:nhau|vao nhau)", r"ran (?:doc )?can", r"bi ran", r"bi ong (?:vo )?dot",
        r"bong (?:nang|nuoc soi|dau soi|lua|hoa chat|axit)", r"bi bong", r"dau nguc", r"nghen (?:tho|co|hong)",
        r"hoc (?:xuong|do an|keo|hat)", r"snake", r"chok\w*", r"turning blue", r"lips are blue", r"fell from",
        r"(?:isn'?t|not|won'?t|can'?t|cant) (?:getting|get|waking|wake) up", r"unresponsive",
        r"lim (?:di|dan)", r"goi (?:mai |hoai |may )?(?:khong|ko|k) (?:tinh|day|tra loi)", r"sui bot",
        r"(?:khong|ko|k) (?:cu dong|nhuc nhich|phan ung)", r"won'?t (?:respond|wake)",
        r"ble+ding", r"uncon(?:sc|c|s)\w*ous", r"s(?:ie|ei)zure\w*", r"ambul\w*", r"badly burn\w*",
        r"(?:not|isn'?t|stopped|can'?t|cant|doesn'?t|no) (?:\w+ )?brea?th\w*",
        r"(?:he|she|someone|man|woman|mother|father|mom|dad|friend|wife|husband|person|tourist|"
        r"guy|lady|grandma|grandpa) (?:just |has |suddenly )?collapsed",
    )),
)
# Questions about the numbers themselves ("số cấp cứu là gì?", "ambulance number?", "cháy nhà gọi số
# nào?") are answered from knowledge, not treated as an emergency happening now; but one that says it
# is happening now ("nhà bên cháy rồi, gọi số mấy", "someone is bleeding, what number") is one: the
# question is taken out of the message, and only what remains counts.
_NUMBER_QUESTION = _any(r"so (?:dien thoai |dt )?(?:cua )?(?:cap cuu|cuu hoa|cong an|khan cap|cuu thuong)",
                        r"goi so nao", r"so nao", r"so may",
                        r"(?:the )?(?:ambulance|police|fire(?: station| brigade| department)?|emergency) "
                        r"(?:phone )?numbers?", r"numbers? (?:for|of) (?:the |an )?(?:ambulance|police|fire\w*|"
                        r"emergenc\w*)", r"numbers?")
# Questions about the paperwork around one (insurance, a helmet, a licence, a vaccination: "chạy xe"
# also folds to "cháy xe"), about fire prevention or the cost, the emergency department itself
# ("khoa cấp cứu ở đâu") or whom to tell afterwards ("bị đánh đập thì báo ai?") are never one.
_NOT_NOW = _any(r"co mat tien", r"phong chay", r"bao hiem", r"insurance", r"tiem phong", r"bang lai", r"ho so",
                r"(?:khoa|phong|bac si|truc) cap cuu",
                r"thi (?:bao|trinh bao|to cao) (?:cho )?(?:ai|o dau|dau)", r"trinh bao",
                r"who (?:do|should|can) i report", r"report (?:it |this )?to whom",
                r"fire (?:hazard|safety|risk|extinguisher|drill|exit|code|inspection|prevention|certificate)")
_HAPPENING_NOW = _any(r"roi", r"dang", r"vua", r"o day", r"cho nay", r"nhanh", r"cuu", r"here", r"right now",
                      r"just", r"is", r"are", r"hurry", r"help")
# The numbers each kind needs; an emergency of unclear kind gets all three. (A high fever alone is not
# an emergency; with convulsions it is, through "co giat" / "convuls".)
NUMBERS = {MEDICAL: ("115",), FIRE: ("114",), CRIME: ("113",), RESCUE: ("114", "112"),
           GENERAL: ("113", "114", "115")}


def emergency_kind(text: str) -> Optional[str]:
    """The kind of emergency the message describes (rescue, fire, crime, medical, general), or None.

    When several match, the order above decides: people trapped or in water before fire before crime
    before injuries (a fire with someone hurt still needs 114 first; 114 also dispatches rescue)."""
    key = fold_key(text)
    if not key or key.startswith("/"):
        return None
    if _NOT_NOW.search(key):
        return None
    if _NUMBER_QUESTION.search(key):
        if not _HAPPENING_NOW.search(key):
            return None
        key = _NUMBER_QUESTION.sub(" ", key)
    for kind, pattern in _PATTERNS:
        if pattern.search(key):
            return kind
    return None
