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
