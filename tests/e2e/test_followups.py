"""Follow-ups over REST on the real servers: a short question about an aspect is answered about the
topic just discussed (vi, vi without diacritics, en), a new topic switches, and part / "more"
buttons answer their entry."""
from bot.text import detect_language


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def contract(replies):
    [found] = [r["custom"] for r in replies if "custom" in r]
    return found


def test_vietnamese_follow_ups_stay_on_the_land_certificate(chat):
    sender = "e2e-followup-vi"
    first = chat(sender, "thủ tục cấp sổ đỏ lần đầu")
    assert contract(first)["entry_id"] == "proc.land_certificate"
    assert len(texts(first)[0]) <= 600

    duration = chat(sender, "bao lâu thì có?")
    assert contract(duration)["entry_id"] == "proc.land_certificate"
    assert contract(duration)["aspect"] == "duration" and "vài tuần" in texts(duration)[0]

    fee = chat(sender, "phi bao nhieu")
    assert contract(fee)["entry_id"] == "proc.land_certificate" and "lệ phí" in texts(fee)[0]
    assert all(detect_language(t) == "vi" for t in texts(fee))

    switched = chat(sender, "còn làm hộ chiếu thì mất bao lâu")
    assert contract(switched)["entry_id"] == "proc.passport"


def test_english_follow_ups_and_buttons(chat):
    sender = "e2e-followup-en"
    first = chat(sender, "what time does the imperial city open")
    assert contract(first)["entry_id"] == "tour.imperial_city"
    buttons = {b["title"]: b["payload"] for r in first for b in r.get("buttons", [])}

    ticket = chat(sender, "how much is the ticket?")
    assert contract(ticket)["entry_id"] == "tour.imperial_city" and "200,000 VND" in texts(ticket)[0]

    sunday = chat(sender, "is it open on sunday")
    assert contract(sunday)["entry_id"] == "tour.imperial_city" and "7:00–17:30" in texts(sunday)[0]

    more = chat(sender, buttons["More"])  # what a tap sends
    assert contract(more)["entry_id"] == "tour.imperial_city" and contract(more)["aspect"] == "more"
    assert texts(more)[0] != texts(first)[0]
