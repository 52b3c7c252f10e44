"""The incident report form (`incident_report_form`): its steps, its questions and what follows it.

Steps: category (buttons) → description → place (GPS pin or text; a pin outside Huế is refused) →
an open report of the same kind within 250 m is offered to follow instead → photos (optional, several)
→ phone (optional, normalised to +84) → summary with send / edit / cancel. The first message fills
what it already says ("đèn đường hỏng ở Lê Lợi"). A confirmed report is stored exactly once.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.form_base import (CONFIRM_WORDS, EDIT_WORDS, NEGATION, SKIP_WORDS, Answer,
                               CustomFormValidationAction, Step)
from actions.handoff import handoff_text
from actions.replies import pick, reply_language
from actions.reports import (CATEGORY_BY_CODE, category_buttons, category_from_answer, describe_from_message,
                             distance_m, extract_place, in_hue_area, normalize_phone, trim_description)
from actions.store import InvalidInput, NewReport
from bot.settings import HOTLINE
from bot.text import EN, fold_key

logger = logging.getLogger(__name__)

FORM = "incident_report_form"
DUPLICATE_RADIUS_M = 250.0
MAX_PHOTOS = 10
SKIPPED = "skipped"  # a step the user skipped after repeated failures
NO_PHONE = "none"

# The slots the form fills, all reset when a report starts, ends or is cancelled.
REPORT_SLOTS = (
    "incident_category", "incident_description", "incident_location", "incident_latitude",
    "incident_longitude", "incident_photos", "incident_photo_step", "incident_phone",
    "incident_duplicate_code", "incident_duplicate_choice", "incident_editing", "incident_confirmation",
    "incident_submit_key",
)
# What the user can change from the summary, with the slots that go with it.
EDITABLE: Dict[str, Tuple[str, ...]] = {
    "incident_category": ("incident_category", "incident_duplicate_code", "incident_duplicate_choice"),
    "incident_description": ("incident_description",),
    "incident_location": ("incident_location", "incident_latitude", "incident_longitude",
                          "incident_duplicate_code", "incident_duplicate_choice"),
    "incident_photo_step": ("incident_photo_step", "incident_photos"),
    "incident_phone": ("incident_phone",),
}
FIELD_LABELS = {
    "incident_category": ("Loại sự cố", "Type"),
    "incident_description": ("Mô tả", "Description"),
    "incident_location": ("Địa điểm", "Place"),
    "incident_photo_step": ("Ảnh", "Photos"),
    "incident_phone": ("Số điện thoại", "Phone"),
}
# Typed names of the fields (folded), for "sửa địa chỉ" without the buttons.
FIELD_WORDS = {
    "incident_category": ("loai", "loai su co", "category", "type"),
    "incident_description": ("mo ta", "noi dung", "description"),
    "incident_location": ("dia diem", "dia chi", "vi tri", "noi", "location", "place", "address"),
    "incident_photo_step": ("anh", "hinh", "hinh anh", "photo", "photos", "picture"),
    "incident_phone": ("so dien thoai", "sdt", "dien thoai", "phone", "phone number"),
}
FOLLOW_WORDS = frozenset({"theo doi", "theo doi phan anh do", "follow", "follow it", "follow that one"})
NEW_WORDS = frozenset({"gui moi", "gui phan anh moi", "van gui moi", "moi", "new", "new report", "file a new one"})
_URL_RE = re.compile(r"https?://\S+")
# "k co anh", "khong chup duoc hinh", "no photo, sorry", "i don't have a picture": no photo, so the step is done.
_NO_PHOTO_RE = re.compile(
    rf"^(?:(?:toi|minh|em|anh|chi|i|we|sorry|ah|a|um) )*(?:{NEGATION}|no|dont|don'?t|do not|cannot|can'?t|chua)"
    r"(?: (?:co|chup|chup duoc|gui|gui duoc|kip|have|got|take|took|a|any|the))* (?:anh|hinh|hinh anh|photos?|pictures?|"
    r"pics?|images?)(?!\w)")
# "gửi luôn", "gui lun nha", "ok send it now", "vâng gửi đi ạ": a send, whatever the particles.
_CONFIRM_RE = re.compile(
    r"^(?:(?:ok|oke|okay|u|uh|vang|da|yes|yep|yeah|dung roi|chuan|roi) )*(?:gui|send|submit|confirm|xac nhan|"
    r"dong y|ok|oke|okay|yes|yep|yeah|chuan|dung roi)(?: (?:di|luon|lun|lien|nha|nhe|a|ad|em|ban|gium|dum|giup|"
    r"it|now|please|pls|thanks|cam on|tiep|phan anh|bao cao|the report))*$")
# A phone number anywhere in an answer ("sđt tôi 0914 555 666", "my number is 0987 654 321").
_PHONE_IN_TEXT_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[ .-]?\d){8,10}(?!\d)")


# Questions about the form itself, answered in the form (a knowledge search would find a photo studio
# or a tour for "có cần chụp ảnh không"): the photo, the phone number, what happens to the report.
_FORM_QUESTIONS = (
    (re.compile(r"\b(?:sdt|so dien thoai|so dt|dien thoai|phone|number)\b.*\b(?:lam gi|de lam gi|cong khai|"
                r"chia se|ai (?:xem|biet|thay)|bat buoc|co can|shared|public|why|what for|needed|required|"
                r"have to|must)\b|\b(?:co can|phai|bat buoc|do i (?:need|have) to|must i)\b.*\b(?:sdt|so dien "
                r"thoai|so dt|phone|number)\b"),
     "Số điện thoại không bắt buộc. Chỉ cán bộ xử lý dùng để liên hệ khi cần; số không được công khai.",
     "A phone number is optional. Only the staff handling the report use it, to reach you if needed; it "
     "is never made public."),
    (re.compile(r"\b(?:co can|phai|bat buoc|do i (?:need|have) to|must i|is it)\b.*\b(?:anh|hinh|chup|photo|"
                r"picture)\w*|\b(?:anh|hinh|photo|picture)\w*\b.*\b(?:bat buoc|co can|de lam gi|lam gi|"
                r"required|needed|necessary|why|what for)\b"),
     "Ảnh không bắt buộc; nếu có, ảnh giúp đơn vị xử lý tìm đúng chỗ và đánh giá nhanh hơn.",
     "A photo is optional; if you have one, it helps the team find the spot and judge it faster."),
    (re.compile(r"\b(?:bao lau|khi nao|bao gio|how long|when)\b.*\b(?:xu ly|giai quyet|sua|co nguoi|handled|"
                r"fixed|dealt with|processed|someone)\b|\b(?:phan anh|report)\b.*\b(?:bao lau|how long|"
                r"what happens|di dau|goes where)\b|\bwill (?:someone|anyone|they|you)\b.*\b(?:fix|come|handle|repair|"
                r"look)|\bai (?:se )?(?:xu ly|giai quyet|sua|xem)\b"),
     "Phản ánh được chuyển tới đơn vị phụ trách trong giờ làm việc; bạn nhận mã để theo dõi và tôi sẽ báo "
     "tại đây khi trạng thái thay đổi.",
     "Reports go to the department in charge during office hours; you get a tracking code and I'll tell "
     "you here when the status changes."),
    # whether it can stay anonymous or costs anything, how to send a photo or the place, how to follow it
    (re.compile(r"\b(?:an danh|giau ten|de ten|ghi ten|anonymous\w*|without (?:a |my )?name)\b"),
     "Không cần để tên; số điện thoại cũng không bắt buộc.",
     "You don't need to give your name; a phone number is optional too."),
    (re.compile(r"\b(?:phan anh|bao (?:cai|viec|chuyen) nay|report\w*)\b.*\b(?:mat phi|ton phi|co phi|phi (?:gi|bao nhieu)|"
                r"mat tien|tra tien|cost|costs|fee|free|pay)\b|\b(?:mat phi|ton phi|co phi|mat tien|tra tien|cost|costs|"
                r"fee|free|pay)\b.*\b(?:phan anh|report\w*)\b"),
     "Gửi phản ánh miễn phí.", "Reporting is free."),
    (re.compile(r"\b(?:gui|chup|dinh kem|up|attach|send|share)\b.*\b(?:anh|hinh|photo|picture|vi tri|dinh vi|location|"
                r"pin)\w*\b.*\b(?:the nao|sao|kieu gi|cach nao|nhu nao|how)\b|\b(?:lam sao|the nao|kieu gi|cach nao|how)"
                r"\b.*\b(?:gui|chup|dinh kem|attach|send|share)\b.*\b(?:anh|hinh|photo|picture|vi tri|location|pin)\w*"),
     "Bạn bấm nút đính kèm (📎) trong khung chat để gửi ảnh hoặc vị trí, hoặc gõ địa chỉ.",
     "Tap the attach button (📎) in the chat to send a photo or your location, or type the address."),
    (re.compile(r"\b(?:lam sao|sao|the nao|how)\b.*\b(?:biet|theo doi|tra cuu|know|track|follow)\b.*\b(?:xu ly|xong|sua|"
                r"ket qua|fixed|done|handled|progress|status)\b"),
     "Sau khi gửi bạn nhận mã HUE-…; gõ mã đó để tra cứu, và tôi sẽ báo tại đây khi trạng thái thay đổi.",
     "Once filed you get a HUE-… code; type it to check the status, and I'll tell you here when it changes."),
)


def has_phone(text: str) -> bool:
    """True when the text holds a Vietnamese phone number: it is then never a place or a description."""
    return any(normalize_phone(match.group(0)) for match in _PHONE_IN_TEXT_RE.finditer(text))


def gps_text(latitude: float, longitude: float) -> str:
    return f"GPS {latitude:.5f}, {longitude:.5f}"


def read_coordinates(answer: Answer) -> Optional[Tuple[float, float]]:
    """(lat, lon) from a shared pin (/share_location{"latitude": …, "longitude": …}), or None."""
    try:
        latitude, longitude = float(answer.entities["latitude"]), float(answer.entities["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def summary_text(slots: Mapping[str, Any], language: str) -> str:
    """The report as it will be filed, for the user to confirm."""
    category = CATEGORY_BY_CODE.get(slots.get("incident_category") or "other", CATEGORY_BY_CODE["other"])
    none = pick(language, "(không có)", "(none)")
    photos = slots.get("incident_photos") or []
    phone = slots.get("incident_phone")
    lines = [
        pick(language, "Phản ánh của bạn:", "Your report:"),
        f"• {pick(language, *FIELD_LABELS['incident_category'])}: {category.en if language == EN else category.vi}",
        f"• {pick(language, *FIELD_LABELS['incident_description'])}: "
        f"{_shown(slots.get('incident_description'), none)}",
        f"• {pick(language, *FIELD_LABELS['incident_location'])}: {_shown(slots.get('incident_location'), none)}",
        f"• {pick(language, *FIELD_LABELS['incident_photo_step'])}: {len(photos) if photos else none}",
        f"• {pick(language, *FIELD_LABELS['incident_phone'])}: "
        f"{phone if phone not in (None, NO_PHONE, SKIPPED) else none}",
    ]
    return "\n".join(lines)


def understood_text(values: Mapping[str, Any], language: str) -> str:
    """One line saying what the first message already gave (category, problem, place)."""
    parts = []
    category = CATEGORY_BY_CODE.get(values.get("incident_category") or "")
    if category:
        parts.append(f"{pick(language, *FIELD_LABELS['incident_category'])}: "
                     f"{category.en if language == EN else category.vi}")
    if values.get("incident_description"):
        parts.append(f"{pick(language, 'Sự cố', 'Problem')}: {values['incident_description']}")
    if values.get("incident_location"):
        parts.append(f"{pick(language, *FIELD_LABELS['incident_location'])}: {values['incident_location']}")
    return pick(language, "Tôi đã ghi: ", "Noted: ") + " · ".join(parts)


def _shown(value: Optional[str], none: str) -> str:
    return value if value and value != SKIPPED else none


class ValidateIncidentReportForm(CustomFormValidationAction):
    form_name = FORM
    outcome_slot = "incident_confirmation"
    early_outcomes = CustomFormValidationAction.early_outcomes + ("followed",)  # a duplicate followed
    attempts_slot = "incident_attempts"
    skippable_steps = ("incident_duplicate_choice", "incident_photo_step", "incident_phone")

    def steps(self, slots: Mapping[str, Any]) -> Sequence[str]:
        steps = ["incident_category", "incident_description", "incident_location"]
        if slots.get("incident_duplicate_code"):
            steps.append("incident_duplicate_choice")
        return steps + ["incident_photo_step", "incident_phone", "incident_confirmation"]

    def cleared_slots(self) -> Sequence[str]:
        return REPORT_SLOTS

    def skipped_value(self, slot: str, slots: Mapping[str, Any]) -> Any:
        return {"incident_category": "other", "incident_photo_step": "done",
                "incident_phone": NO_PHONE}.get(slot, SKIPPED)

    async def prefill(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        if read_coordinates(answer) is not None:  # the conversation started with a shared pin
            step = await self.read_incident_location(answer, tracker, language)
            return step if step.accepted else Step(say=step.say)
        if answer.entities.get("photo"):
            return self._add_photo(answer.entities["photo"], [], language)
        # A new report: the topic of an earlier knowledge answer is not what a question asked inside
        # the form is about ("à mà đổi bằng lái ở đâu?" after the ID card is about the licence).
        values: Dict[str, Any] = {"knowledge_topic": None} if tracker.get_slot("knowledge_topic") else {}
        category = category_from_answer(answer.text) if not answer.is_payload else None
        if category:
            values["incident_category"] = category
            description = describe_from_message(answer.text)
            if description:
                values["incident_description"] = trim_description(description)[0]
            place = extract_place(answer.text)
            if place and not has_phone(place):
                values["incident_location"] = place
        step = Step(values=values)
        if any(values.get(name) for name in ("incident_category", "incident_description", "incident_location")):
            step.tell(understood_text(values, language))
        return step

    async def absorb(self, answer: Answer, tracker: Tracker, language: str,
                     slots: Mapping[str, Any]) -> Optional[Step]:
        requested = tracker.get_slot("requested_slot")
        if answer.entities.get("photo"):
            return self._add_photo(answer.entities["photo"], slots.get("incident_photos") or [], language)
        if read_coordinates(answer) is not None and requested != "incident_location":
            step = await self.read_incident_location(answer, tracker, language)
            step.accepted = True  # a pin shared early does not count against the step being asked
            return step
        return None

    def explain(self, answer: Answer, requested: str, language: str) -> Optional[str]:
        key = fold_key(answer.text)
        for pattern, vi, en in _FORM_QUESTIONS:
            if pattern.search(key):
                return pick(language, vi, en)
        return None

    def _add_photo(self, photo: Any, photos: List[str], language: str) -> Step:
        photo = str(photo).strip()[:500]
        photos = list(photos)
        if photo and photo not in photos and len(photos) < MAX_PHOTOS:
            photos.append(photo)
        return Step(values={"incident_photos": photos}).tell(
            pick(language, f"Đã nhận ảnh ({len(photos)}).", f"Photo received ({len(photos)})."))

    # --- one reader per step ------------------------------------------------------------------
    async def read_incident_category(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        chosen = answer.entities.get("incident_category")
        code = chosen if chosen in CATEGORY_BY_CODE else (
            None if answer.is_payload else category_from_answer(answer.text))
        if code is None:
            return Step.rejected(pick(language, "Bạn chọn một loại sự cố trong danh sách giúp tôi nhé.",
                                      "Please pick one of the types below."))
        return Step(values={"incident_category": code})

    async def read_incident_description(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        if has_phone(answer.text):
            return Step.rejected(pick(language, "Đó là số điện thoại; tôi sẽ hỏi số sau. Giờ bạn mô tả sự cố giúp tôi nhé.",
                                      "That's a phone number; I'll ask for it later. First, what is the problem?"))
        if answer.is_question and answer.intent != "report_incident":
            return Step.rejected(pick(language, "Bạn mô tả sự cố bằng vài chữ nhé, ví dụ: \"đèn đường tắt cả tuần\".",
                                      "Please describe the problem in a few words, e.g. \"street light off all week\"."))
        if answer.is_payload or len(answer.text) < 3 or answer.says(SKIP_WORDS):
            return Step.rejected(pick(language, "Bạn mô tả sự cố bằng vài chữ nhé, ví dụ: \"đèn đường tắt cả tuần\".",
                                      "Please describe the problem in a few words, e.g. \"street light off all week\"."))
        text, trimmed = trim_description(answer.text)
        step = Step(values={"incident_description": text})
        place = None if tracker.get_slot("incident_location") else extract_place(answer.text)
        if place:  # "đèn hỏng trước nhà 12 Lê Lợi": the place is not asked again
            step.values["incident_location"] = place
        if trimmed:
            step.tell(pick(language, f"Mô tả dài quá nên tôi chỉ giữ {len(text)} ký tự đầu.",
                           f"The description was too long, so I kept the first {len(text)} characters."))
        return step

    async def read_incident_location(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        coordinates = read_coordinates(answer)
        if coordinates is not None:
            latitude, longitude = coordinates
            if not in_hue_area(latitude, longitude):
                return Step.rejected(pick(
                    language,
                    "Vị trí bạn gửi nằm ngoài địa bàn thành phố Huế, nên tôi không nhận phản ánh ở đó. "
                    "Bạn chia sẻ lại vị trí trong Huế hoặc gõ địa chỉ nhé.",
                    "That location is outside Hue city, so I can't take a report there. Please share a "
                    "location in Hue or type the address."))
            step = Step(values={"incident_location": gps_text(latitude, longitude),
                                "incident_latitude": latitude, "incident_longitude": longitude,
                                "incident_duplicate_code": None, "incident_duplicate_choice": None})
            category = tracker.get_slot("incident_category")
            if category and category != "other":
                duplicate = await self._nearby_open_report(category, latitude, longitude)
                if duplicate is not None:
                    step.values["incident_duplicate_code"] = duplicate
            return step
        if has_phone(answer.text):
            return Step.rejected(pick(language,
                                      "Đó là số điện thoại; tôi sẽ hỏi số sau. Giờ bạn cho tôi địa chỉ "
                                      "(số nhà, tên đường, phường) hoặc chia sẻ vị trí nhé.",
                                      "That's a phone number; I'll ask for it later. First, where is it? Give a "
                                      "street and number, a ward, or share your location."))
        if (answer.is_payload or len(answer.text) < 3 or not re.search(r"\w", answer.text)
                or answer.says(SKIP_WORDS) or answer.is_question):
            return Step.rejected(pick(language,
                                      "Bạn cho tôi số nhà, tên đường hoặc phường, hoặc chia sẻ vị trí nhé.",
                                      "Please give a house number and street, a ward, or share your location."))
        return Step(values={"incident_location": answer.text[:300], "incident_latitude": None,
                            "incident_longitude": None, "incident_duplicate_code": None,
                            "incident_duplicate_choice": None})

    async def _nearby_open_report(self, category: str, latitude: float, longitude: float) -> Optional[str]:
        store = services.current().store
        if store is None:
            return None
        try:
            nearby = await services.in_executor(store.open_reports_near, category, latitude, longitude,
                                                DUPLICATE_RADIUS_M)
        except Exception:  # noqa: BLE001 - a failed lookup must not stop a report
            logger.exception("duplicate lookup failed")
            return None
        return nearby[0].report.code if nearby else None

    async def read_incident_duplicate_choice(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        wants_new = answer.says(NEW_WORDS) or answer.says(SKIP_WORDS)
        if not wants_new and (answer.intent == "affirm" or answer.says(FOLLOW_WORDS) or answer.says(CONFIRM_WORDS)):
            code = tracker.get_slot("incident_duplicate_code")
            store = services.current().store
            try:
                report = await services.in_executor(store.follow_report, code, tracker.sender_id,
                                                    tracker.get_latest_input_channel(), language)
            except InvalidInput:  # e.g. a sender id the store cannot keep: filing says so politely
                logger.warning("following %s refused: %s", code, "invalid sender id")
                report = None
            if report is None:  # gone since it was offered: file a new one
                return Step(values={"incident_duplicate_choice": "new", "incident_duplicate_code": None})
            return Step(values={"incident_duplicate_choice": "follow", "incident_confirmation": "followed"})
        if wants_new or answer.intent == "deny":
            return Step(values={"incident_duplicate_choice": "new"})
        return Step.rejected(pick(language, "Bạn bấm \"Theo dõi\" để theo dõi phản ánh đó, hoặc \"Gửi mới\".",
                                  "Tap \"Follow\" to follow that report, or \"New report\"."))

    async def read_incident_photo_step(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        url = _URL_RE.search(answer.text)
        if url and not answer.is_payload:
            return self._add_photo(url.group(0), tracker.get_slot("incident_photos") or [], language)
        if answer.says(SKIP_WORDS) or answer.intent == "deny" or _NO_PHOTO_RE.match(answer.key):
            return Step(values={"incident_photo_step": "done"})
        return Step.rejected(pick(language, "Bạn gửi ảnh (hoặc đường link ảnh), hoặc bấm \"Bỏ qua\" nhé.",
                                  "Please send a photo (or a link to one), or tap \"Skip\"."))

    async def read_incident_phone(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        if answer.says(SKIP_WORDS) or answer.intent == "deny":
            return Step(values={"incident_phone": NO_PHONE})
        phone = normalize_phone(answer.text)
        if phone is None:
            return Step.rejected(pick(language,
                                      "Số điện thoại chưa đúng. Ví dụ: 0905 123 456 hoặc +84 905 123 456.",
                                      "That phone number doesn't look right. Example: 0905 123 456 or "
                                      "+84 905 123 456."))
        return Step(values={"incident_phone": phone})

    async def read_incident_confirmation(self, answer: Answer, tracker: Tracker, language: str) -> Step:
        words = answer.key.split()
        asks_to_edit = answer.says(EDIT_WORDS) or bool(words and words[0] in EDIT_WORDS)
        field = answer.entities.get("edit_field")
        if field not in EDITABLE and (tracker.get_slot("incident_editing") or asks_to_edit):
            field = self._typed_field(answer.key)  # "sửa địa chỉ", or a field typed after "Sửa"
        if field in EDITABLE:
            return Step(values={**{slot: None for slot in EDITABLE[field]}, "incident_editing": False})
        # Typed words first: the NLU reads a bare "sửa" as "yes" now and then.
        if asks_to_edit:
            return Step(values={"incident_editing": True})
        if answer.intent == "affirm" or answer.says(CONFIRM_WORDS) or _CONFIRM_RE.match(answer.key):
            return Step(values={"incident_confirmation": "confirmed"})
        return Step.rejected(pick(language, "Bạn bấm \"Gửi\" để gửi, \"Sửa\" để sửa, hoặc \"Hủy\" để hủy nhé.",
                                  "Tap \"Send\" to file it, \"Edit\" to change something, or \"Cancel\"."))

    @staticmethod
    def _typed_field(key: str) -> Optional[str]:
        words = key.split()
        for start in range(len(words)):
            for field, names in FIELD_WORDS.items():
                for name in names:
                    if " ".join(words[start:start + len(name.split())]) == name:
                        return field
        return None


# --- how each step is asked ----------------------------------------------------------------------
class ActionAskIncidentCategory(Action):
    def name(self) -> Text:
        return "action_ask_incident_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        buttons = [{"title": b["title"], "payload": "/inform" + json.dumps({"incident_category": b["payload"]})}
                   for b in category_buttons(language)]
        dispatcher.utter_message(text=pick(language, "Bạn muốn phản ánh loại sự cố nào?",
                                           "What kind of problem is it?"), buttons=buttons)
        return []


class ActionAskIncidentDuplicateChoice(Action):
    def name(self) -> Text:
        return "action_ask_incident_duplicate_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        code = tracker.get_slot("incident_duplicate_code")
        store = services.current().store
        report = await services.in_executor(store.report_by_code, code)
        where = ""
        if report is not None and report.latitude is not None and tracker.get_slot("incident_latitude") is not None:
            metres = distance_m((report.latitude, report.longitude),
                                (tracker.get_slot("incident_latitude"), tracker.get_slot("incident_longitude")))
            where = pick(language, f", cách chỗ bạn khoảng {metres:.0f} m", f", about {metres:.0f} m from you")
        category = CATEGORY_BY_CODE[tracker.get_slot("incident_category") or "other"]
        dispatcher.utter_message(
            text=pick(language,
                      f"Đã có phản ánh {code} cùng loại ({category.vi}{where}) đang được xử lý. Bạn muốn theo dõi "
                      "phản ánh đó (sẽ được báo khi có kết quả) thay vì gửi phản ánh mới?",
                      f"There is already an open report {code} of the same kind ({category.en}{where}). Would "
                      "you like to follow it (you'll hear when it changes) instead of filing a new one?"),
            buttons=[{"title": pick(language, "Theo dõi phản ánh đó", "Follow that report"), "payload": "/affirm"},
                     {"title": pick(language, "Vẫn gửi mới", "File a new one"), "payload": "/deny"}])
        return []


class ActionAskIncidentPhotoStep(Action):
    def name(self) -> Text:
        return "action_ask_incident_photo_step"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        if tracker.get_slot("incident_photos"):
            text = pick(language, "Bạn gửi thêm ảnh, hoặc bấm \"Xong\".", "Send more photos, or tap \"Done\".")
            button = {"title": pick(language, "Xong", "Done"), "payload": pick(language, "xong", "done")}
        else:
            text = pick(language, "Bạn có ảnh chụp sự cố không? Gửi ảnh (được nhiều ảnh), hoặc bấm \"Bỏ qua\".",
                        "Do you have a photo of it? Send one or more, or tap \"Skip\".")
            button = {"title": pick(language, "Bỏ qua", "Skip"), "payload": pick(language, "bỏ qua", "skip")}
        dispatcher.utter_message(text=text, buttons=[button])
        return []


class ActionAskIncidentConfirmation(Action):
    def name(self) -> Text:
        return "action_ask_incident_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        if tracker.get_slot("incident_editing"):
            dispatcher.utter_message(
                text=pick(language, "Bạn muốn sửa mục nào?", "What would you like to change?"),
                buttons=[{"title": pick(language, *FIELD_LABELS[field]),
                          "payload": "/inform" + json.dumps({"edit_field": field})} for field in EDITABLE])
            return []
        slots = {name: tracker.get_slot(name) for name in REPORT_SLOTS}
        dispatcher.utter_message(
            text=summary_text(slots, language) + "\n" + pick(language, "Gửi phản ánh này?", "File this report?"),
            buttons=[{"title": pick(language, "Gửi", "Send"), "payload": "/affirm"},
                     {"title": pick(language, "Sửa", "Edit"), "payload": pick(language, "sửa", "edit")},
                     {"title": pick(language, "Hủy", "Cancel"), "payload": pick(language, "hủy", "cancel")}])
        return []


# --- after the form ---------------------------------------------------------------------------
def idempotency_key(tracker: Tracker) -> str:
    """The conversation and the message that confirmed the report: a retried submit maps to it again."""
    message_id = (tracker.latest_message or {}).get("message_id") or ""
    # Not cut to the column: a long sender id would leave only the sender, and every later report
    # of that conversation would be taken for the first one. The store hashes long keys.
    return f"{tracker.sender_id}:{message_id}"


def new_report(tracker: Tracker, language: str) -> NewReport:
    category = tracker.get_slot("incident_category") or "other"
    description = tracker.get_slot("incident_description")
    if not description or description == SKIPPED:
        description = CATEGORY_BY_CODE[category].vi
    location = tracker.get_slot("incident_location")
    phone = tracker.get_slot("incident_phone")
    return NewReport(
        idempotency_key=idempotency_key(tracker), sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel(), language=language, category=category,
        description=description, location_text=None if location in (None, SKIPPED) else location,
        latitude=tracker.get_slot("incident_latitude"), longitude=tracker.get_slot("incident_longitude"),
        photos=list(tracker.get_slot("incident_photos") or []),
        phone=None if phone in (None, NO_PHONE, SKIPPED) else phone)


class ActionSubmitIncidentReport(Action):
    """Runs when the form ends: files a confirmed report, or says how it ended otherwise."""

    def name(self) -> Text:
        return "action_submit_incident_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        outcome = tracker.get_slot("incident_confirmation")
        clear = [SlotSet(name, None) for name in REPORT_SLOTS] + [SlotSet("incident_attempts", None)]
        if outcome == "cancelled":
            dispatcher.utter_message(text=pick(language, "Đã hủy phản ánh; không có gì được lưu.",
                                               "Report cancelled; nothing was stored."))
        elif outcome == "handoff":
            dispatcher.utter_message(text=handoff_text(language))
        elif outcome == "followed":
            code = tracker.get_slot("incident_duplicate_code")
            dispatcher.utter_message(text=pick(
                language, f"Bạn đang theo dõi phản ánh {code}; tôi sẽ báo khi trạng thái thay đổi. "
                          f"Nhắn \"tra cứu {code}\" để xem bất cứ lúc nào.",
                f"You are now following report {code}; I'll tell you when its status changes. Send "
                f"\"status {code}\" any time."))
            return clear + [SlotSet("report_code", code)]
        elif outcome == "confirmed":
            return await self._file(dispatcher, tracker, language, clear)
        else:  # the form ended without an outcome (should not happen): say so rather than guess
            dispatcher.utter_message(text=pick(
                language, f"Phản ánh chưa được gửi. Bạn thử lại, hoặc gọi {HOTLINE}.",
                f"The report was not filed. Please try again, or call {HOTLINE}."))
        return clear

    async def _file(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str,
                    clear: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        store = services.current().store
        if store is None:
            dispatcher.utter_message(text=pick(
                language, f"Xin lỗi, hệ thống chưa lưu được phản ánh. Bạn vui lòng gọi {HOTLINE}.",
                f"Sorry, reports can't be stored right now. Please call {HOTLINE}."))
            return clear
        # A retry after a failed submit reuses that submit's key: if the failed attempt did reach
        # the database, the retry gets that report back instead of filing a second one.
        key = tracker.get_slot("incident_submit_key") or idempotency_key(tracker)
        report_in = dataclasses.replace(new_report(tracker, language), idempotency_key=key)
        try:
            report, _ = await services.in_executor(store.submit_report, report_in)
        except Exception:  # noqa: BLE001 - the user must hear that nothing was stored
            logger.exception("storing a report failed; the form is kept for a retry")
            return self._keep_for_retry(dispatcher, language, key)
        name = CATEGORY_BY_CODE[report.category]
        place = report.location_text or pick(language, "(chưa rõ địa điểm)", "(place not given)")
        dispatcher.utter_message(text=pick(
            language,
            f"Đã tiếp nhận phản ánh ({name.vi}) tại \"{place}\". Mã phản ánh của bạn: {report.code}.\n"
            "Phản ánh được chuyển tới đơn vị phụ trách trong giờ làm việc; khi trạng thái thay đổi tôi sẽ "
            f"báo tại đây. Nhắn \"tra cứu {report.code}\" để theo dõi, hoặc gọi {HOTLINE}.",
            f"Report received ({name.en}) at \"{place}\". Your tracking code: {report.code}.\n"
            "It goes to the department in charge during office hours; I'll tell you here when its status "
            f"changes. Send \"status {report.code}\" to follow it, or call {HOTLINE}."))
        return clear + [SlotSet("report_code", report.code)]

    @staticmethod
    def _keep_for_retry(dispatcher: CollectingDispatcher, language: str, key: str) -> List[Dict[Text, Any]]:
        """Nothing stored: say so, keep every answer, and put the form back at its last step, so
        that "Gửi" / "Send" files it (with the same key) once the database is back."""
        dispatcher.utter_message(
            text=pick(language,
                      "Xin lỗi, hệ thống đang lỗi nên phản ánh CHƯA được gửi. Thông tin bạn nhập vẫn được giữ: "
                      f"bấm \"Gửi\" để gửi lại sau ít phút, hoặc gọi {HOTLINE}.",
                      "Sorry, a system error means your report has NOT been filed yet. Your answers are kept: "
                      f"tap \"Send\" to try again in a few minutes, or call {HOTLINE}."),
            buttons=[{"title": pick(language, "Gửi", "Send"), "payload": "/affirm"},
                     {"title": pick(language, "Hủy", "Cancel"), "payload": pick(language, "hủy", "cancel")}])
        # The form is active again on its confirmation step; action_listen next, so the form reads
        # the user's next message rather than this turn's "Gửi" again.
        return [SlotSet("incident_confirmation", None), SlotSet("incident_submit_key", key),
                SlotSet("incident_attempts", "incident_confirmation:0"), ActiveLoop(FORM),
                SlotSet("requested_slot", "incident_confirmation"), FollowupAction("action_listen")]
