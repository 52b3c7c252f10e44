"""knowledge/schema.py: the shipped sources load; malformed entries are named precisely."""
import textwrap

import pytest

from knowledge.schema import KnowledgeError, load_entries

REQUIRED_IDS = """
proc.citizen_id_card proc.birth_registration proc.marriage_registration proc.death_registration
proc.permanent_residence proc.temporary_residence proc.judicial_record proc.certified_copy
proc.business_household proc.construction_permit proc.land_certificate proc.passport
proc.driving_license proc.health_insurance proc.vneid_account proc.online_submission
proc.school_enrollment svc.hue_s_app svc.field_report svc.hotline svc.electricity_bill svc.water_bill
svc.waste_collection svc.hospital_appointment svc.school_fees svc.public_wifi svc.bus_routes
svc.disaster_alerts svc.emergency_numbers svc.lost_documents svc.traffic_fines svc.parking
tour.imperial_city tour.thien_mu_pagoda tour.tomb_minh_mang tour.tomb_khai_dinh tour.tomb_tu_duc
tour.dong_ba_market tour.truong_tien_bridge tour.perfume_river_boat tour.hue_festival
tour.royal_court_music tour.local_food tour.getting_to_hue tour.best_time_weather
tour.monument_tickets tour.walking_street tour.lagoon_beaches tour.bach_ma_park tour.visa
tour.money_atm tour.tourist_help
""".split()


def test_shipped_sources_are_valid_and_complete():
    entries = load_entries()
    ids = {e.id for e in entries}
    assert len(entries) >= 120
    assert set(REQUIRED_IDS) <= ids
    for entry in entries:
        assert entry.vi.answer and entry.en.answer
        assert len(entry.vi.questions) >= 3 and len(entry.en.questions) >= 3


GOOD = """
  - id: svc.test_entry
    category: city_service
    tags: [test]
    source_url: https://hue.gov.vn/
    reviewed: 2026-11-21
    vi:
      title: Thử
      questions: [một, hai, ba]
      answer: Câu trả lời đủ dài để qua kiểm tra.
    en:
      title: Test
      questions: [one, two, three]
      answer: An answer that is long enough to pass.
"""


def write(tmp_path, body):
    (tmp_path / "family.yml").write_text("family: test\nentries:\n" + textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def test_good_entry_loads(tmp_path):
    [entry] = load_entries(write(tmp_path, GOOD))
    assert entry.id == "svc.test_entry"


@pytest.mark.parametrize("change, field", [
    (("questions: [one, two, three]", "questions: [one, two]"), "en.questions"),
    (("source_url: https://hue.gov.vn/", "source_url: not-a-url"), "source_url"),
    (("category: city_service", "category: tourism"), "(entry)"),
    (("reviewed: 2026-11-21", "reviewed: someday"), "reviewed"),
    (("      title: Thử\n", ""), "vi.title"),
])
def test_malformed_entry_names_file_entry_and_field(tmp_path, change, field):
    with pytest.raises(KnowledgeError) as error:
        load_entries(write(tmp_path, GOOD.replace(*change)))
    message = str(error.value)
    assert "family.yml" in message and "svc.test_entry" in message and f"field '{field}'" in message


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "other.yml").write_text("family: other\nentries:\n" + textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="duplicate"):
        load_entries(tmp_path)


# --- parts -----------------------------------------------------------------------------------------
PARTS = """
    parts:
      fee:
        vi: "Miễn phí lần đầu."
        en: "Free the first time."
      hours:
        vi: "Sáng thứ Hai đến thứ Sáu."
        en: "Monday to Friday mornings."
"""


def with_parts(body: str) -> str:
    return GOOD.replace("    reviewed: 2026-11-21\n", "    reviewed: 2026-11-21\n" + body.strip("\n") + "\n")


def test_parts_load_per_aspect_and_language(tmp_path):
    [entry] = load_entries(write(tmp_path, with_parts(PARTS)))
    assert entry.parts.present() == ["fee", "hours"]
    assert entry.parts.get("fee").text("en") == "Free the first time."
    assert entry.parts.get("duration") is None and entry.parts.get("nonsense") is None


@pytest.mark.parametrize("change, field", [
    (("      fee:", "      price:"), "parts.price"),                              # not an aspect
    (('        en: "Free the first time."\n', ""), "parts.fee.en"),             # a language missing
    (('"Miễn phí lần đầu."', '"' + "x" * 401 + '"'), "parts.fee.vi"),        # not a short text
])
def test_malformed_parts_are_named(tmp_path, change, field):
    with pytest.raises(KnowledgeError) as error:
        load_entries(write(tmp_path, with_parts(PARTS.replace(*change))))
    assert "svc.test_entry" in str(error.value) and f"field '{field}'" in str(error.value)


def _numbers(text: str) -> set:
    """Digit groups with thousands separators removed: "200.000đ" and "200,000 VND" → "200000"."""
    import re
    return {re.sub(r"[.,]", "", n) for n in re.findall(r"\d[\d.,]*\d|\d", text)}


def test_at_least_60_entries_have_parts_and_parts_invent_no_numbers():
    entries = [e for e in load_entries() if e.parts.present()]
    assert len(entries) >= 60
    for entry in entries:
        for aspect in entry.parts.present():
            for language in ("vi", "en"):
                block = entry.block(language)
                source = " ".join([block.answer, *block.steps])
                invented = _numbers(entry.parts.get(aspect).text(language)) - _numbers(source)
                assert not invented, f"{entry.id} {aspect} {language}: {invented} not in the entry's text"
