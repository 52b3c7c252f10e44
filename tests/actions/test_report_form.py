"""actions/report_form.py: the report form's steps through actions/form_base.py, with a real installed_store."""
import json
import re
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.form_base import MAX_ATTEMPTS
from actions.models import ReportFollower
from actions.report_form import (ActionAskIncidentCategory, ActionAskIncidentConfirmation,
                                 ActionAskIncidentPhotoStep, ActionSubmitIncidentReport,
                                 ValidateIncidentReportForm)
from actions.store import NewReport

CENTRE = (16.4637, 107.5909)  # Huế, near Trường Tiền bridge
DA_NANG = (16.0544, 108.2022)
STEPS = ["incident_category", "incident_description", "incident_location", "incident_photo_step",
         "incident_phone", "incident_confirmation"]
FILLED = {"incident_category": "street_lighting", "incident_description": "Đèn đường hỏng",
          "incident_location": "Lê Lợi", "incident_photo_step": "done", "incident_photos": ["ph-1"],
          "incident_phone": "+84905123456"}


def form_tracker(text: str, requested: Optional[str], slots: Optional[Dict[str, Any]] = None,
                 intent: str = "inform", entities: Optional[Dict[str, Any]] = None,
                 sender: str = "u1", message_id: str = "m1", language: str = "vi") -> Tracker:
    # The steps before the one asked are already answered, as in a real conversation.
    earlier = STEPS[:STEPS.index(requested)] if requested in STEPS else []
    slots = {**{k: v for k, v in FILLED.items() if k in earlier or k == "incident_photos" and
                "incident_photo_step" in earlier}, **(slots or {})}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "message_id": message_id,
              "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}
    return Tracker.from_dict({
        "sender_id": sender,
        "slots": {"language": language, "requested_slot": requested, **slots},
        "latest_message": latest,
        "events": [{"event": "user", "text": text, "input_channel": "rest", "parse_data": latest}],
        "paused": False, "followup_action": None,
        "active_loop": {"name": "incident_report_form"} if requested else {},
        "latest_action_name": "action_listen",
    })


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def pin(latitude, longitude):
    return {"latitude": latitude, "longitude": longitude}


def location_payload(latitude, longitude):
    return "/share_location" + json.dumps(pin(latitude, longitude))


async def validate(tracker, dispatcher=None):
    return slots_of(await ValidateIncidentReportForm().run(dispatcher or CollectingDispatcher(), tracker, {}))



# --- first message ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, category, location, asks", [
    ("đèn đường hỏng ở Lê Lợi", "street_lighting", "Lê Lợi", "incident_photo_step"),
    ("có ổ gà trên đường Hùng Vương", "road_damage", "đường Hùng Vương", "incident_photo_step"),
    ("rac chua don o kiet 12", "waste", "kiet 12", "incident_photo_step"),
    ("I want to report a fallen tree", "trees", None, "incident_location"),
    ("tôi muốn phản ánh", None, None, "incident_category"),
])
async def test_the_first_message_fills_what_it_says(text, category, location, asks):
    values = await validate(form_tracker(text, None, intent="report_incident"))
    assert values.get("incident_category") == category
    assert values.get("incident_location") == location
    assert values["requested_slot"] == asks


async def test_the_first_message_keeps_the_problem_without_the_lead_in():
    values = await validate(form_tracker("I want to report a fallen tree", None, intent="report_incident"))
    assert values["incident_description"] == "A fallen tree"


async def test_a_new_report_clears_what_a_cancelled_one_left():
    values = await validate(form_tracker("tôi muốn phản ánh", None, intent="report_incident",
                                         slots={"incident_phone": "+84905123456", "incident_photos": ["x"]}))
    assert values["incident_phone"] is None and values["incident_photos"] is None


async def test_a_shared_pin_can_start_a_report():
    values = await validate(form_tracker(location_payload(*CENTRE), None, intent="share_location",
                                         entities=pin(*CENTRE)))
    assert values["incident_latitude"] == CENTRE[0] and values["requested_slot"] == "incident_category"


# --- category ------------------------------------------------------------------------------------
async def test_category_buttons_are_understood_and_offered_in_both_languages():
    values = await validate(form_tracker('/inform{"incident_category": "flooding"}', "incident_category",
                                         entities={"incident_category": "flooding"}))
    assert values["incident_category"] == "flooding" and values["requested_slot"] == "incident_description"
    assert (await validate(form_tracker("cây xanh", "incident_category")))["incident_category"] == "trees"
    assert (await validate(form_tracker("Noise and pollution", "incident_category")))[
        "incident_category"] == "noise_pollution"
    dispatcher = CollectingDispatcher()
    await ActionAskIncidentCategory().run(dispatcher, form_tracker("", "incident_category", language="en"), {})
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert "Street lights" in titles and "Forest fire" in titles and len(titles) == 10
    assert all(len(title) <= 20 for title in titles)  # two a row on Telegram
    assert (await validate(form_tracker("Đèn đường", "incident_category")))["incident_category"] == "street_lighting"
    payload = dispatcher.messages[0]["buttons"][0]["payload"]
    assert payload.startswith("/inform{") and json.loads(payload[len("/inform"):])["incident_category"]


# --- place ----------------------------------------------------------------------------------------
async def test_a_pin_outside_hue_is_refused_with_a_reason():
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker(location_payload(*DA_NANG), "incident_location", intent="share_location",
                                         entities=pin(*DA_NANG), slots={"incident_category": "waste", "incident_description": "rác"}), dispatcher)
    assert "incident_location" not in values and values["requested_slot"] == "incident_location"
    assert "ngoài địa bàn thành phố Huế" in dispatcher.messages[0]["text"]
    assert values["incident_attempts"] == "incident_location:1"


async def test_a_pin_in_hue_is_the_place(installed_store):
    values = await validate(form_tracker(location_payload(*CENTRE), "incident_location", intent="share_location",
                                         entities=pin(*CENTRE), slots={"incident_category": "waste"}))
    assert values["incident_location"].startswith("GPS 16.46370")
    assert values["incident_longitude"] == CENTRE[1] and values["requested_slot"] == "incident_photo_step"


async def test_a_typed_address_is_the_place():
    values = await validate(form_tracker("kiệt 12 Phan Bội Châu", "incident_location"))
    assert values["incident_location"] == "kiệt 12 Phan Bội Châu" and values["incident_latitude"] is None


# --- duplicates -----------------------------------------------------------------------------------
async def test_an_open_report_nearby_is_offered_and_can_be_followed(installed_store):
    existing, _ = installed_store.submit_report(NewReport(
        idempotency_key="other:1", sender_id="other", category="waste", description="rác",
        latitude=CENTRE[0] + 0.001, longitude=CENTRE[1]))  # about 110 m north
    slots = {"incident_category": "waste", "incident_description": "rác đầy"}
    values = await validate(form_tracker(location_payload(*CENTRE), "incident_location", intent="share_location",
                                         entities=pin(*CENTRE), slots=slots))
    assert values["incident_duplicate_code"] == existing.code
    assert values["requested_slot"] == "incident_duplicate_choice"

    values = await validate(form_tracker("/affirm", "incident_duplicate_choice", intent="affirm",
                                         slots={**slots, "incident_duplicate_code": existing.code}, sender="me"))
    assert values["incident_confirmation"] == "followed" and values["requested_slot"] is None
    with installed_store.session() as session:
        senders = set(session.scalars(select(ReportFollower.sender_id).where(
            ReportFollower.report_id == existing.id)))
    assert senders == {"other", "me"}

    dispatcher = CollectingDispatcher()
    await ActionSubmitIncidentReport().run(dispatcher, form_tracker(
        "/affirm", None, slots={"incident_confirmation": "followed", "incident_duplicate_code": existing.code}),
        {})
    assert existing.code in dispatcher.messages[0]["text"]
    assert len(installed_store.reports_of_sender("me")) == 0


async def test_reports_farther_than_250_m_or_of_another_kind_are_not_duplicates(installed_store):
    installed_store.submit_report(NewReport(idempotency_key="o:1", sender_id="o", category="waste", description="rác",
                                  latitude=CENTRE[0] + 0.003, longitude=CENTRE[1]))  # ~330 m
    installed_store.submit_report(NewReport(idempotency_key="o:2", sender_id="o", category="trees", description="cây",
                                  latitude=CENTRE[0], longitude=CENTRE[1]))
    values = await validate(form_tracker(location_payload(*CENTRE), "incident_location", intent="share_location",
                                         entities=pin(*CENTRE), slots={"incident_category": "waste"}))
    assert values["incident_duplicate_code"] is None and values["requested_slot"] == "incident_photo_step"


# --- photos and phone -----------------------------------------------------------------------------
async def test_several_photos_then_done():
    values = await validate(form_tracker('/share_photo{"photo": "ph-1"}', "incident_photo_step",
                                         intent="share_photo", entities={"photo": "ph-1"}))
    assert values["incident_photos"] == ["ph-1"] and values["requested_slot"] == "incident_photo_step"
    values = await validate(form_tracker("https://example.org/a.jpg", "incident_photo_step",
                                         slots={"incident_photos": ["ph-1"]}))
    assert values["incident_photos"] == ["ph-1", "https://example.org/a.jpg"]
    values = await validate(form_tracker("xong", "incident_photo_step", slots={"incident_photos": ["ph-1"]}))
    assert values["incident_photo_step"] == "done" and values["requested_slot"] == "incident_phone"
    dispatcher = CollectingDispatcher()
    await ActionAskIncidentPhotoStep().run(dispatcher, form_tracker("", "incident_photo_step",
                                                                    slots={"incident_photos": ["ph-1"]}), {})
    assert dispatcher.messages[0]["buttons"][0]["title"] == "Xong"


async def test_a_photo_sent_early_is_kept_and_the_step_asked_again():
    values = await validate(form_tracker('/share_photo{"photo": "ph-9"}', "incident_description",
                                         intent="share_photo", entities={"photo": "ph-9"}))
    assert values["incident_photos"] == ["ph-9"] and values["requested_slot"] == "incident_description"
    assert "incident_description" not in values


@pytest.mark.parametrize("typed, expected", [("0905 123 456", "+84905123456"), ("+84 905.123.456", "+84905123456"),
                                             ("bỏ qua", "none"), ("skip", "none")])
async def test_phone_is_normalised_or_skipped(typed, expected):
    values = await validate(form_tracker(typed, "incident_phone"))
    assert values["incident_phone"] == expected and values["requested_slot"] == "incident_confirmation"


async def test_an_invalid_phone_is_asked_again_with_an_example():
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker("12345", "incident_phone", language="en"), dispatcher)
    assert "incident_phone" not in values and values["requested_slot"] == "incident_phone"
    assert "0905 123 456" in dispatcher.messages[0]["text"]


# --- failures, cancel, hotline ---------------------------------------------------------------------
async def test_after_three_failures_skip_or_hotline_is_offered_and_skip_works():
    dispatcher = CollectingDispatcher()
    attempts = None
    for _ in range(MAX_ATTEMPTS):
        values = await validate(form_tracker("?", "incident_description",
                                             slots={"incident_attempts": attempts}), dispatcher)
        attempts = values["incident_attempts"]
    assert attempts == f"incident_description:{MAX_ATTEMPTS}"
    offer = dispatcher.messages[-1]
    assert "1900 1075" in offer["text"] and [b["payload"] for b in offer["buttons"]] == ["bỏ qua", "/request_human"]
    assert not any(m["buttons"] for m in dispatcher.messages[:-1])
    values = await validate(form_tracker("bỏ qua", "incident_description", slots={"incident_attempts": attempts}))
    assert values["incident_description"] == "skipped" and values["requested_slot"] == "incident_location"


async def test_skip_is_not_accepted_for_a_required_step_before_three_failures():
    values = await validate(form_tracker("bỏ qua", "incident_location"))
    assert values["requested_slot"] == "incident_location" and "incident_location" not in values


@pytest.mark.parametrize("word", ["hủy", "huy", "Cancel", "thôi không báo nữa", "bỏ đi em", "thôi",
                                  "khong can nua dau", "ko bao nua", "no thanks, stop", "Thôi.", "huy giup minh"])
async def test_cancel_at_any_step_stores_nothing(installed_store, word):
    values = await validate(form_tracker(word, "incident_phone"))
    assert values == {"incident_confirmation": "cancelled", "incident_attempts": None, "requested_slot": None}
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitIncidentReport().run(
        dispatcher, form_tracker(word, None, slots={**FILLED, "incident_confirmation": "cancelled"}), {})
    assert "không có gì được lưu" in dispatcher.messages[0]["text"]
    assert installed_store.reports_of_sender("u1") == []
    assert slots_of(events)["incident_phone"] is None


async def test_asking_for_a_person_ends_the_form_with_the_hotline(installed_store):
    values = await validate(form_tracker("/request_human", "incident_location", intent="request_human"))
    assert values["incident_confirmation"] == "handoff" and values["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionSubmitIncidentReport().run(dispatcher, form_tracker("x", None, slots={"incident_confirmation":
                                                                                       "handoff"}), {})
    assert "1900 1075" in dispatcher.messages[0]["text"] and installed_store.reports_of_sender("u1") == []


# --- summary, edit, confirm -----------------------------------------------------------------------
async def test_summary_shows_everything_with_send_edit_cancel():
    dispatcher = CollectingDispatcher()
    await ActionAskIncidentConfirmation().run(dispatcher, form_tracker("", "incident_confirmation", slots=FILLED), {})
    message = dispatcher.messages[0]
    for shown in ("Chiếu sáng công cộng", "Đèn đường hỏng", "Lê Lợi", "+84905123456"):
        assert shown in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Gửi", "Sửa", "Hủy"]


async def test_edit_asks_which_field_then_asks_that_field_again():
    values = await validate(form_tracker("sửa", "incident_confirmation", slots=FILLED))
    assert values["incident_editing"] is True and values["requested_slot"] == "incident_confirmation"
    dispatcher = CollectingDispatcher()
    await ActionAskIncidentConfirmation().run(
        dispatcher, form_tracker("", "incident_confirmation", slots={**FILLED, "incident_editing": True}), {})
    assert len(dispatcher.messages[0]["buttons"]) == 5
    values = await validate(form_tracker('/inform{"edit_field": "incident_location"}', "incident_confirmation",
                                         slots={**FILLED, "incident_editing": True},
                                         entities={"edit_field": "incident_location"}))
    assert values["incident_location"] is None and values["incident_editing"] is False
    assert values["requested_slot"] == "incident_location"


async def test_edit_with_the_field_typed():
    values = await validate(form_tracker("sửa số điện thoại", "incident_confirmation", slots=FILLED))
    assert values["incident_phone"] is None and values["requested_slot"] == "incident_phone"


async def test_confirm_files_the_report_once_with_everything(installed_store):
    slots = {**FILLED, "incident_latitude": CENTRE[0], "incident_longitude": CENTRE[1]}
    values = await validate(form_tracker("/affirm", "incident_confirmation", intent="affirm", slots=slots))
    assert values["incident_confirmation"] == "confirmed" and values["requested_slot"] is None
    confirmed = {**slots, "incident_confirmation": "confirmed"}
    dispatcher = CollectingDispatcher()
    for _ in range(2):  # a retried submit of the same confirming message
        await ActionSubmitIncidentReport().run(dispatcher, form_tracker("/affirm", None, slots=confirmed), {})
    codes = {re.search(r"HUE-\d{4}-\d{6}", m["text"]).group(0) for m in dispatcher.messages}
    assert len(codes) == 1
    [report] = installed_store.reports_of_sender("u1")
    assert report.code in codes and report.photos == ["ph-1"] and report.phone == "+84905123456"
    assert (report.category, report.location_text, report.latitude) == ("street_lighting", "Lê Lợi", CENTRE[0])


async def test_an_unclear_answer_to_the_summary_is_asked_again():
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker("hmm", "incident_confirmation", slots=FILLED), dispatcher)
    assert values["requested_slot"] == "incident_confirmation" and "incident_confirmation" not in values
    assert "Gửi" in dispatcher.messages[0]["text"]


async def test_a_too_short_description_is_refused_and_a_long_one_trimmed_at_a_word():
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker("a", "incident_description"), dispatcher)
    assert "incident_description" not in values and dispatcher.messages[0]["text"]
    values = await validate(form_tracker("ổ gà " * 2000, "incident_description"), dispatcher)
    assert 3990 <= len(values["incident_description"]) <= 4000
    assert values["incident_description"].endswith("gà")  # cut at a word boundary
    assert "giữ" in dispatcher.messages[-1]["text"]


async def test_typed_edit_wins_over_an_nlu_yes():
    values = await validate(form_tracker("sửa", "incident_confirmation", intent="affirm"))
    assert values.get("incident_editing") is True and "incident_confirmation" not in values


async def test_typed_new_report_wins_over_an_nlu_yes_when_a_duplicate_is_offered():
    values = await validate(form_tracker("gửi mới", "incident_duplicate_choice", intent="affirm",
                                         slots={**FILLED, "incident_photo_step": None, "incident_phone": None,
                                                "incident_duplicate_code": "HUE-2026-000001"}))
    assert values["incident_duplicate_choice"] == "new" and values["requested_slot"] == "incident_photo_step"


# --- leaving the form, questions and emergencies inside it ----------------------------------------
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("text, intent", [("bỏ đi em", "cancel"), ("thoi khoi bao nua", "cancel"),
                                          ("no thanks, stop", "cancel"), ("mình đổi ý rồi", "cancel"),
                                          # a cancellation inside a longer message, whatever the NLU says
                                          ("thôi hủy đi, để mai tôi gọi tổng đài", "request_human"),
                                          ("à thôi, nhà bên tắt rồi, không báo nữa", "inform"),
                                          ("nhầm, ko can nua nha", "deny"), ("nah leave it", "inform")])
async def test_everyday_cancellations_end_the_form_at_every_step(step, text, intent):
    values = await validate(form_tracker(text, step, intent=intent))
    assert values["incident_confirmation"] == "cancelled" and values["requested_slot"] is None


@pytest.mark.parametrize("step", ["incident_photo_step", "incident_phone"])
async def test_no_thanks_skips_an_optional_step_rather_than_cancelling(step):
    values = await validate(form_tracker("không cần", step, intent="cancel"))
    assert values.get("incident_confirmation") != "cancelled" and values["requested_slot"] != step


@pytest.mark.parametrize("step", ["incident_photo_step", "incident_phone"])
@pytest.mark.parametrize("text", ["its ok, no need", "no thanks, all good now", "thôi bỏ qua"])
async def test_a_skip_with_words_around_it_skips_an_optional_step(step, text):
    values = await validate(form_tracker(text, step, intent="inform"))
    assert values.get("incident_confirmation") != "cancelled" and values["requested_slot"] != step


@pytest.mark.parametrize("text", ["k co anh", "không chụp được hình", "no photo, sorry", "i don't have a picture"])
async def test_saying_there_is_no_photo_finishes_the_photo_step(text):
    values = await validate(form_tracker(text, "incident_photo_step", intent="inform"))
    assert values["incident_photo_step"] == "done" and values["requested_slot"] == "incident_phone"


async def test_a_long_answer_the_nlu_calls_cancel_is_still_an_answer():
    text = "ông tổ trưởng bảo thôi không sửa nữa mà đèn vẫn tắt cả tuần nay rồi"
    values = await validate(form_tracker(text, "incident_description", intent="cancel"))
    assert values["incident_description"] == text


@pytest.mark.parametrize("text, intent", [
    ("à mà đổi bằng lái ở đâu?", "ask_procedure"),
    ("mat nuoc tu sang goi ai", "ask_city_service"),
    ("what time does the citadel open", "ask_tourism"),
    ("có người bị xe tông chảy máu đầu", "emergency"),
    ("안녕하세요 도와주세요", "unsupported_language"),
])
@pytest.mark.parametrize("step", ["incident_description", "incident_location", "incident_phone"])
async def test_a_question_or_emergency_mid_form_fills_nothing_so_a_rule_answers_it(step, text, intent):
    dispatcher = CollectingDispatcher()
    events = await ValidateIncidentReportForm().run(dispatcher, form_tracker(text, step, intent=intent), {})
    # Only requested_slot, unchanged: Rasa rejects the form for this turn and the rule answers.
    assert slots_of(events) == {"requested_slot": step}
    assert dispatcher.messages == []


async def test_a_report_worded_as_a_question_is_still_a_description():
    values = await validate(form_tracker("sao đèn đường cứ tắt hoài vậy?", "incident_description",
                                         intent="report_incident"))
    assert values["incident_description"] == "sao đèn đường cứ tắt hoài vậy?"


@pytest.mark.parametrize("text", ["0905 123 456", "+84905123456", "0234 3822 222", "my number is 0987 654 321",
                                  "sđt tôi 0914 555 666", "sdt 0934.888.999"])
@pytest.mark.parametrize("step", ["incident_description", "incident_location"])
async def test_a_phone_number_is_never_taken_as_a_place_or_description(step, text):
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker(text, step), dispatcher)
    assert step not in values and values["requested_slot"] == step
    assert "số điện thoại" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("text", ["ở đâu cũng được hả?", "where should I say?"])
async def test_a_question_is_never_taken_as_a_place(text):
    values = await validate(form_tracker(text, "incident_location", intent="inform"))
    assert "incident_location" not in values and values["requested_slot"] == "incident_location"


@pytest.mark.parametrize("text, step, kept", [
    ("ở đâu hả, trước nhà số 9 Lê Lợi", "incident_location", "9 Lê Lợi"),
    ("cho nao ha? kiet 20 nguyen trai", "incident_location", "kiet 20 nguyen trai"),
    ("where? right in front of 22 tran hung dao", "incident_location", "22 tran hung dao"),
    ("my number? 0905 123 456", "incident_phone", "+84905123456"),
])
async def test_the_step_question_echoed_before_the_answer_is_not_a_question(text, step, kept):
    """Written for branch convform2's dev set (tests/data/form_conversations_dev2.yml)."""
    values = await validate(form_tracker(text, step, intent="ask_procedure"))
    assert kept in values[step] and values["requested_slot"] != step


async def test_an_echo_alone_is_still_a_question():
    values = await validate(form_tracker("ở đâu cũng được hả?", "incident_location", intent="ask_procedure"))
    assert "incident_location" not in values


@pytest.mark.parametrize("text, language, said", [
    ("đèn đường hỏng ở Lê Lợi", "vi", "Tôi đã ghi: Loại sự cố: Chiếu sáng công cộng"),
    ("the street light is broken on Le Loi street", "en", "Noted: Type: Street lighting"),
])
async def test_the_form_says_what_it_took_from_the_first_message(text, language, said):
    dispatcher = CollectingDispatcher()
    values = await validate(form_tracker(text, None, intent="report_incident", language=language), dispatcher)
    [line] = [m["text"] for m in dispatcher.messages]
    assert line.startswith(said) and "\n" not in line
    if values.get("incident_location"):
        assert values["incident_location"] in line


async def test_nothing_understood_says_nothing_extra():
    dispatcher = CollectingDispatcher()
    await validate(form_tracker("tôi muốn phản ánh", None, intent="report_incident"), dispatcher)
    assert dispatcher.messages == []


# --- everyday words, as typed (dev examples written for issue 11; tests/conversations/heldout.yml is
# never looked at) ------------------------------------------------------------------------------------
@pytest.mark.parametrize("step", ["incident_category", "incident_description", "incident_location",
                                  "incident_confirmation"])
@pytest.mark.parametrize("text", [
    "thôi khỏi", "ko can nua dau ban", "thoi k bao nua", "hủy giúp mình với", "để lúc khác đi", "xóa đi",
    "em đổi ý rồi", "hong bao nua", "thôi dẹp", "k can nua", "ko gửi đâu",
    "nvm", "ok nvm", "forget it", "forget about it then", "don't send it", "dont send", "scrap it",
    "actually no, cancel", "never mind I'll call them myself", "cancel my report", "not anymore",
    # branch convform2 dev: "thôi bỏ qua" is a cancellation where nothing can be skipped
    "thôi bỏ qua đi", "thoi bo qua", "ngưng lại giùm", "no need, it's fixed now", "no thanks, all good now",
])
async def test_cancellations_in_everyday_words_whatever_the_nlu_said(step, text):
    values = await validate(form_tracker(text, step, intent="inform"))
    assert values["incident_confirmation"] == "cancelled" and values["requested_slot"] is None


@pytest.mark.parametrize("text, step", [
    ("bus stop near 5 le loi", "incident_location"), ("kiệt 5 Thôi Hữu", "incident_location"),
    ("stop light broken at the crossing", "incident_description"),
    ("dung xe tren via he", "incident_description"), ("forget-me-not cafe on le loi", "incident_location"),
])
async def test_words_that_only_look_like_a_cancellation_are_answers(text, step):
    values = await validate(form_tracker(text, step, intent="inform"))
    assert values.get("incident_confirmation") != "cancelled" and step in values


@pytest.mark.parametrize("text, intent", [
    ("cho hỏi tổng đài thành phố số mấy", "ask_city_service"), ("gio do rac la may h", "ask_city_service"),
    ("tiem phong dai cho cho o dau vay", "ask_followup"), ("chợ Đông Ba mấy giờ đóng cửa", "nlu_fallback"),
    ("do i need to be home when they come?", "ask_followup"), ("bệnh viện gần nhất ở đâu", "inform"),
    ("what's the weather like tomorrow?", "out_of_scope"),
])
@pytest.mark.parametrize("step", ["incident_location", "incident_photo_step", "incident_phone"])
async def test_questions_the_nlu_is_unsure_of_are_answered_not_taken(step, text, intent):
    events = await ValidateIncidentReportForm().run(CollectingDispatcher(), form_tracker(text, step, intent=intent), {})
    assert slots_of(events) == {"requested_slot": step}


@pytest.mark.parametrize("text, location, asks", [
    ("there's a big pothole on the road", None, "incident_location"),         # "the road" says no place
    ("the street light outside my homestay is broken", None, "incident_location"),
    ("o ga sau o duong", None, "incident_location"),
    ("có ổ gà lớn trước cổng trường", None, "incident_location"),
    ("o ga truoc nha 12 le loi", "12 le loi", "incident_photo_step"),         # no diacritics
    ("cay do chan ngang duong kim long", "duong kim long", "incident_photo_step"),  # no place word
    ("flooded street near dong ba market", "dong ba market", "incident_photo_step"),
    ("rác ứ đọng mấy ngày không ai dọn ở kiệt 5 Đặng Thái Thân", "kiệt 5 Đặng Thái Thân", "incident_photo_step"),
])
async def test_the_first_message_place_needs_a_name_or_a_number(text, location, asks):
    values = await validate(form_tracker(text, None, intent="report_incident"))
    assert values.get("incident_location") == location and values["requested_slot"] == asks


async def test_a_description_that_says_where_fills_the_place_too():
    values = await validate(form_tracker("đèn hỏng trước nhà 12 Lê Lợi", "incident_description",
                                         slots={"incident_category": "street_lighting"}))
    assert values["incident_location"] == "12 Lê Lợi" and values["requested_slot"] == "incident_photo_step"


@pytest.mark.parametrize("text", ["gui lun", "gửi luôn nha", "ok gui di", "vâng gửi đi ạ", "ok send it now"])
async def test_a_send_with_particles_files_the_report(text):
    values = await validate(form_tracker(text, "incident_confirmation", slots=FILLED, intent="inform"))
    assert values["incident_confirmation"] == "confirmed"


async def test_a_new_report_forgets_the_earlier_topic():
    tracker = form_tracker("có ổ gà lớn trước cổng trường", None, intent="report_incident",
                           slots={"knowledge_topic": "proc.id_card"})
    assert (await validate(tracker))["knowledge_topic"] is None


@pytest.mark.parametrize("text, step, said", [
    ("de sdt de lam gi vay", "incident_phone", "không bắt buộc"),
    ("số điện thoại có bị công khai không?", "incident_phone", "không được công khai"),
    ("có cần chụp ảnh không", "incident_location", "Ảnh không bắt buộc"),
    ("phản ánh thì bao lâu được xử lý vậy?", "incident_category", "giờ làm việc"),
])
async def test_a_question_about_the_form_itself_is_answered_and_the_step_asked_again(text, step, said):
    dispatcher = CollectingDispatcher()
    events = await ValidateIncidentReportForm().run(dispatcher, form_tracker(text, step, intent="ask_city_service"), {})
    values = slots_of(events)
    assert values["requested_slot"] == step and step not in values
    assert said in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("step", ["incident_photo_step", "incident_phone"])
@pytest.mark.parametrize("text, cancelled", [("thôi khỏi", False), ("khỏi nha", False), ("nah", False),
                                             ("k can nua", True), ("thoi khoi gui nua", True), ("nvm", True)])
async def test_on_an_optional_step_no_need_skips_and_no_more_cancels(step, text, cancelled):
    values = await validate(form_tracker(text, step, intent="deny"))
    assert (values.get("incident_confirmation") == "cancelled") is cancelled
    assert cancelled or values["requested_slot"] != step


@pytest.mark.parametrize("text", ["dạ thôi ạ", "thôi quên đi", "i want to stop", "please cancel", "ignore this",
                                  "no i dont want to continue", "no need anymore"])
async def test_cancellations_with_openers_and_particles(text):
    values = await validate(form_tracker(text, "incident_location", intent="inform"))
    assert values["incident_confirmation"] == "cancelled"


# Round 3 (branch convform3): more questions about the form itself, in new words.
@pytest.mark.parametrize("text, step, language, said", [
    ("có cần để tên không?", "incident_phone", "vi", "Không cần để tên"),
    ("can i stay anonymous?", "incident_location", "en", "don't need to give your name"),
    ("bao cai nay co mat phi ko", "incident_category", "vi", "miễn phí"),
    ("is it free to report?", "incident_photo_step", "en", "free"),
    ("gửi ảnh kiểu gì vậy", "incident_photo_step", "vi", "đính kèm"),
    ("how do i send you the location?", "incident_location", "en", "attach"),
    ("lam sao biet da xu ly xong", "incident_confirmation", "vi", "HUE-"),
    ("will someone come to fix it soon?", "incident_photo_step", "en", "department in charge"),
    ("ai sẽ xử lý phản ánh này?", "incident_location", "vi", "đơn vị phụ trách"),
])
async def test_more_questions_about_the_form_are_answered_and_the_step_asked_again(text, step, language, said):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(text, step, slots=FILLED if step == "incident_confirmation" else None,
                           intent="ask_city_service", language=language)
    values = slots_of(await ValidateIncidentReportForm().run(dispatcher, tracker, {}))
    assert values["requested_slot"] == step and values.get(step) is None
    assert said in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("text", ["how much is the passport fee?", "is it free to visit the imperial city?",
                                  "can i change my name online?"])
async def test_a_service_question_with_form_words_is_left_to_the_knowledge_answer(text):
    dispatcher = CollectingDispatcher()
    values = slots_of(await ValidateIncidentReportForm().run(
        dispatcher, form_tracker(text, "incident_location", intent="ask_city_service", language="en"), {}))
    assert values == {"requested_slot": "incident_location"} and dispatcher.messages == []
