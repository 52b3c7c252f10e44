"""bot/safety.py: the emergency keyword net and the number each kind needs."""
import pytest

from bot.safety import CRIME, FIRE, MEDICAL, NUMBERS, RESCUE, emergency_kind
from tests.conftest import ROOT, load_nlu_examples


@pytest.mark.parametrize("text, kind", [
    ("a man was hit by a car here, his head is bleeding", MEDICAL),
    ("có người bị xe tông chảy máu đầu", MEDICAL),
    ("co nguoi bat tinh o cho", MEDICAL),
    ("chau be sot 40 do co giat", MEDICAL),
    ("my kid has a 40 degree fever and convulsions", MEDICAL),
    ("cháy nhà bên cạnh rồi", FIRE),
    ("the house next door is on fire", FIRE),
    ("có trộm đang cạy cửa", CRIME),
    ("someone is breaking into a car right now", CRIME),
    ("nuoc lu len, ca nha mac ket tren mai", RESCUE),
    ("people trapped by the flood water", RESCUE),
    # branch convform2: a stroke, anaphylaxis, someone lying still, a beating, sparks, falling in water
    ("ông tôi tự nhiên méo miệng, nói không ra tiếng", MEDICAL),
    ("his face is swelling and he can barely breathe", MEDICAL),
    ("a woman is lying on the street and isn't responding", MEDICAL),
    ("tui no dang danh mot ba cu", CRIME),
    ("có mùi khét, ổ điện trong phòng đang tóe lửa", FIRE),
    ("the guesthouse next door is burning", FIRE),
    ("a boy fell in the lake and can't swim", RESCUE),
    ("be bi ngat nuoc o ho boi", RESCUE),
    ("thằng say rượu cầm rựa đòi chém người", CRIME),
])
def test_emergencies_are_recognised_with_their_kind(text, kind):
    assert emergency_kind(text) == kind


@pytest.mark.parametrize("text", [
    "nước chảy lênh láng ra đường",      # chảy, not cháy
    "xưởng gần nhà xả khói đen",           # pollution, a report
    "số cấp cứu là số mấy",                # a question about the number
    "thủ tục phòng cháy cho quán karaoke",
    "chờ xíu nha", "kẹt xe ở cầu Trường Tiền", "help me please", "road surface collapsed",
    "/share_location{\"latitude\": 16.4, \"longitude\": 107.5}",
    # words an emergency pattern also folds to: bị đuổi (evicted, not drowned), màu mè (fancy, not blood)
    "bị đuổi khỏi phòng trọ thì làm sao", "quảng cáo màu mè quá", "my eyes are burning from the dust",
    "the hotline is not answering", "rubbish lying on the road", "hit a pothole on my bike",
])
def test_everyday_messages_are_not_emergencies(text):
    assert emergency_kind(text) is None


def test_each_kind_has_its_numbers():
    assert NUMBERS[MEDICAL] == ("115",) and NUMBERS[FIRE] == ("114",) and NUMBERS[CRIME] == ("113",)
    assert "112" in NUMBERS[RESCUE]


def test_no_false_alarm_on_the_training_data():
    """The net never fires on a training line of another intent (the held-out split is not looked at)."""
    from pathlib import Path

    alarms = []
    for path in sorted(Path(ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for intent, texts in load_nlu_examples(path).items():
            alarms += [(intent, t) for t in texts if intent != "emergency" and emergency_kind(t)]
    assert alarms == []


def test_recall_on_the_dev_set():
    """tests/data/emergency_dev.yml (tuned on; the held-out NLU split is not): the net alone catches
    nearly every emergency there and no everyday message."""
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "data" / "emergency_dev.yml").read_text(encoding="utf-8"))
    caught = [t for t in data["emergency"] if emergency_kind(t)]
    assert len(caught) / len(data["emergency"]) >= 0.95, set(data["emergency"]) - set(caught)
    assert [t for t in data["not_emergency"] if emergency_kind(t)] == []


@pytest.mark.parametrize("text, kind", [
    ("số cấp cứu là số mấy", None), ("ambulance number?", None), ("Cháy nhà gọi số nào?", None),
    ("what is the police number", None),
    # … but a message that says it is happening now is an emergency, even when it asks the number
    ("nha ben chay roi goi so may", FIRE), ("someone is bleeding badly, what number do I call", MEDICAL),
])
def test_a_question_about_the_numbers_is_not_an_emergency_unless_it_is_happening(text, kind):
    assert emergency_kind(text) == kind


# Round 3 (branch convform3): one or more of every kind in new words, written before tuning; the
# held-out conversations are never looked at. Falling into water or a hole, bleeding that will not stop,
# electrocution, smoke from a building, gas, a theft just now, someone hitting someone.
@pytest.mark.parametrize("text, kind", [
    ('máu ra nhiều quá không cầm được', MEDICAL),
    ('mau chay khong cam duoc', MEDICAL),
    ("blood won't stop coming out of his leg", MEDICAL),
    ('ông hàng xóm bị điện giật ngã lăn ra', MEDICAL),
    ('chu tho dien bi dien giat tren cot', MEDICAL),
    ('he got electrocuted by a fallen wire', MEDICAL),
    ('someone was electrocuted at the market', MEDICAL),
    ('bé bị sốt cao rồi lên cơn giật', MEDICAL),
    ('con em sot cao mat trong tay chan cung do', MEDICAL),
    ('my baby has a really high fever and her body is jerking', MEDICAL),
    ('my son has a high fever and is having fits', MEDICAL),
    ('có ông cụ ngã quỵ giữa chợ, gọi không trả lời', MEDICAL),
    ('ba tui xiu tai cho, goi ko tinh', MEDICAL),
    ('an old man collapsed in front of the pagoda', MEDICAL),
    ('vừa tông xe, có người gãy chân nằm đó', MEDICAL),
    ('tai nan o nga ba, 2 nguoi nam duoi duong', MEDICAL),
    ('there was a crash, a girl is lying in the road', MEDICAL),
    ("my friend cut his hand badly and it won't stop bleeding", MEDICAL),
    ('co nguoi dang len con dau tim', MEDICAL),
    ('bà tôi đột quỵ rồi', MEDICAL),
    ('he hit his head and is not waking up', MEDICAL),
    ("she's unconcious", MEDICAL),
    ('em bé bị hóc hạt nhãn tím tái', MEDICAL),
    ('nguoi do bi dam chay mau', MEDICAL),
    ('ong ay nga tu tren mai xuong bat dong', MEDICAL),
    ('a tourist fell off the wall and broke her leg', MEDICAL),
    ('my wife is pregnant and bleeding a lot', MEDICAL),
    ('cháu uống nhầm thuốc trừ sâu', MEDICAL),
    ('bi tai nan giao thong o cau tran thi ly', MEDICAL),
    ('a motorbike hit a kid outside the school', MEDICAL),
    ('có khói bốc lên từ kho hàng cuối kiệt', FIRE),
    ('kho go bi chay ngun ngut', FIRE),
    ('smoke is pouring out of the shop next to my hotel', FIRE),
    ("there's a fire in the kitchen of the restaurant", FIRE),
    ('cháy chợ rồi bà con ơi', FIRE),
    ('chay o cho dong ba', FIRE),
    ("my neighbour's house caught on fire", FIRE),
    ('xe máy đang bốc cháy trên đường', FIRE),
    ('nha ben canh chay to lam', FIRE),
    ('the motorbike parked outside is on fire', FIRE),
    ('mùi ga nồng nặc trong hành lang chung cư', FIRE),
    ('i smell gas in the whole building', FIRE),
    ('binh gas nha toi bi xi', FIRE),
    ('the transformer exploded and there are flames', FIRE),
    ('tu dien phat no boc khoi', FIRE),
    ('có người đang đập cửa xông vào nhà tôi', CRIME),
    ('tụi nó đang đánh nhau bằng gậy trước quán', CRIME),
    ('someone stole my phone just now and ran', CRIME),
    ('a man is following me with a knife', CRIME),
    ('my bag got snatched near the bridge', CRIME),
    ('vua bi moc mat vi o cho', CRIME),
    ('có kẻ lạ đột nhập vào nhà', CRIME),
    ('tao bi cuop xe', CRIME),
    ('nó đang đánh vợ, chị ấy la hét', CRIME),
    ('some guys are beating up a man outside the bar', CRIME),
    ('two men are fighting with knives', CRIME),
    ('thằng kia vừa trộm xe đạp của em', CRIME),
    ('trom xe may vua xong', CRIME),
    ('i was just robbed', CRIME),
    ('someone broke into our room and took everything', CRIME),
    ('he is hitting his wife, she is screaming', CRIME),
    ('co nguoi say xin dang dap pha quan', CRIME),
    ('có người bị nước cuốn trôi dưới cầu', RESCUE),
    ('nuoc ngap toi co roi, nha co nguoi gia', RESCUE),
    ('we are stuck on the roof, water is rising', RESCUE),
    ('my family is trapped in our house by the flood', RESCUE),
    ('thuyen bi lat giua song huong', RESCUE),
    ('có đứa nhỏ đuối nước ở hồ Tịnh Tâm', RESCUE),
    ('someone fell into the river and is not coming up', RESCUE),
    ('a child fell into a manhole', RESCUE),
    ('em be roi xuong gieng', RESCUE),
    ('thằng bé té xuống mương nước đang chảy xiết', RESCUE),
    ('a man was swept away by the flood water', RESCUE),
    ('the car is stuck in deep flood water with people inside', RESCUE),
    ('có người kẹt trong nhà sập', RESCUE),
    ('sat lo dat vui mot nha', RESCUE),
    ("water is coming in fast and we can't get out", RESCUE),
    ('nuoc len nhanh qua ca xom bi co lap', RESCUE),
    ('người ta trôi theo dòng nước kìa', RESCUE),
])

def test_emergencies_in_many_words(text, kind):
    assert emergency_kind(text) == kind


@pytest.mark.parametrize("text", [
    'mất điện từ sáng gọi ai',
    'nước chảy yếu quá',
    'xe chạy ẩu quá ai quản lý',
    'cháy nắng quá, mua kem chống nắng ở đâu',
    'đèn đường hỏng lâu rồi',
    'mau len nha',
    'mau quá',
    'có cây đổ chắn đường',
    'ống nước bị bể',
    'how do I report a fire hazard',
    'where is the police station for lost passports',
    'fire safety certificate for my restaurant',
    'my phone was stolen last week, how do I get a police report',
    'hospital opening hours',
    'số cấp cứu là bao nhiêu',
    'what number is the fire brigade',
    'tôi muốn hỏi về bảo hiểm y tế',
    'the pho here is fire',
    'internet down at my hotel',
    'the traffic is killing me',
    'trời nóng quá',
    'thoi huy di',
    'bỏ qua',
    'chay bo o dau dep',
    'đường ngập nước sau mưa',
    'the street floods every time it rains',
    'ngap nuoc o kiet 5',
    'rác bốc mùi hôi',
    'có chó dữ thả rông',
    'karaoke hát to quá',
    'xe đổ rác giờ nào',
    'vaccination for my baby',
    'my kid has a fever, which pharmacy is open',
    'con toi bi sot nhe, phong kham nao mo cua',
    'burning rubbish smell from the field',
    'đốt rác khói bay vào nhà',
    'stop please',
    'nvm',
    'dây điện chằng chịt trước nhà',
    'sao nhà tôi mất nước vậy', 'ngập nước vậy ai lo', 'sao cúp nước vậy ad', 'bị nước vào điện thoại rồi',
    'there is a broken power line hanging low',
    'bi mat giay to tuy than thi lam sao',
    'lost my wallet yesterday',
    # Hue's imperial tombs: where the emperors "are buried" is a tourist's question, not a burial alive
    'an lang where three emperors are buried', 'where is emperor Tu Duc buried', 'is Khai Dinh buried in his tomb',
    'which tomb was Minh Mang buried in',
])

def test_everyday_messages_near_an_emergency_are_not_one(text):
    assert emergency_kind(text) is None


# Round 3, second batch (new words again): chest pain, someone pinned under a truck, a fall with no
# getting up, fire from a socket, swept by waves, slipping into a river.
@pytest.mark.parametrize("text, kind", [
    ('có ông say rượu ngã đập đầu xuống đường, nằm im luôn', MEDICAL),
    ('co dua nho bi cho can chay mau nhieu', MEDICAL),
    ('my dad is having chest pain and sweating a lot', MEDICAL),
    ('chú kia bị kẹp chân dưới xe tải', MEDICAL),
    ('mot chi bi xe tai can qua chan', MEDICAL),
    ("a tourist got hit by a motorbike and can't get up", MEDICAL),
    ('bà tôi ngã trong nhà tắm không dậy được', MEDICAL),
    ('someone is having a seizure on the bus', MEDICAL),
    ('thang be bi dien giat khi cam sac', MEDICAL),
    ('con tôi nuốt phải đồng xu, thở khó', MEDICAL),
    ("my friend took too many pills and won't wake up", MEDICAL),
    ('bé 2 tuổi sốt 39 độ, người cứ giật từng cơn', MEDICAL),
    ('bị đứt tay sâu lắm, máu không cầm được', MEDICAL),
    ('he fell from the scaffolding and is bleeding from his head', MEDICAL),
    ('an old man fainted in the heat at the citadel', MEDICAL),
    ('khói đen ngùn ngụt từ quán karaoke', FIRE),
    ('nha ben canh boc khoi nghi ngut, co mui khet', FIRE),
    ("there's smoke coming out of the apartment upstairs", FIRE),
    ('the electric pole is sparking and the wires are on fire', FIRE),
    ('cháy xe máy ở bãi giữ xe', FIRE),
    ('ổ điện nhà tôi đang bốc lửa', FIRE),
    ('nghe mùi gas rò rỉ trong bếp', FIRE),
    ('có kẻ gian đang leo rào vào nhà hàng xóm', CRIME),
    ('tụi thanh niên đang đánh nhau bằng dao ở công viên', CRIME),
    ('a man is threatening people with a machete', CRIME),
    ('bi cuop dien thoai o duong le loi, no chay ve huong ga', CRIME),
    ('someone is trying to break into my car right now', CRIME),
    ('có đứa đang trộm xe máy trước nhà', CRIME),
    ('my wallet was just snatched by two guys on a scooter', CRIME),
    ('thang chong dang danh vo, chi ay chay mau', CRIME),
    ('nước tràn vào nhà ngập tới ngực, cả nhà không ra được', RESCUE),
    ('người già kẹt trong nhà, nước lên tới mái rồi', RESCUE),
    ('a boat capsized near the bridge, people in the water', RESCUE),
    ('my kids are trapped upstairs and the water is rising', RESCUE),
    ('có người bị sóng cuốn ở biển Thuận An', RESCUE),
    ('mot chiec xe may bi nuoc cuon xuong muong', RESCUE),
    ('our car got stuck in the flood and water is coming inside', RESCUE),
    ('co nguoi nhay cau truong tien', RESCUE),
    ('thằng bé trượt chân xuống sông', RESCUE),
])
def test_emergencies_in_many_words_second_batch(text, kind):
    assert emergency_kind(text) == kind


# Round 3, third batch: lying slumped, throat closing, a chain snatched, alarms going off, a house
# cut off by water, swept off a motorbike.
@pytest.mark.parametrize("text, kind", [
    ('ong noi em tu nhien nga ra bat tinh', MEDICAL),
    ('co nguoi bi dot quy o cong vien', MEDICAL),
    ('em bi tai nan xe may, chan chay mau', MEDICAL),
    ('nguoi dan ong nam guc tren xe khong biet con tho khong', MEDICAL),
    ('my girlfriend is allergic to peanuts and her throat is closing', MEDICAL),
    ('the baby is burning up with fever and shaking all over', MEDICAL),
    ('a guy got stabbed outside the club', CRIME),
    ('somebody is being mugged across the street', CRIME),
    ("there's a fight with broken bottles at the bar", CRIME),
    ('i think someone is breaking into the house next door', CRIME),
    ('co thang cam kiem doa chem nguoi', CRIME),
    ('tụi nó đang giựt dây chuyền bà cụ', CRIME),
    ('trộm vào nhà lấy hết đồ, giờ nó còn trong sân', CRIME),
    ('the whole kitchen is on fire, flames everywhere', FIRE),
    ('lửa cháy lan sang nhà bên', FIRE),
    ('chay lon o cho, lua dang lan', FIRE),
    ('i can smell smoke and the alarm is going off in the hotel', FIRE),
    ('nuoc lu dang cuon nha, co nguoi ben trong', RESCUE),
    ('em be bi duoi nuoc o ao', RESCUE),
    ('a man is drowning in the perfume river', RESCUE),
    ("we're stranded on our roof", RESCUE),
    ('nha toi bi nuoc vay, co nguoi benh khong di duoc', RESCUE),
    ('the river swept a man off his motorbike on the flooded road', RESCUE),
])
def test_emergencies_in_many_words_third_batch(text, kind):
    assert emergency_kind(text) == kind
