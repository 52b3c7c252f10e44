"""End to end through the REST channel: both real servers, the trained model, vi and en."""
import sqlite3

from bot.text import detect_language


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def test_vietnamese_conversation(chat):
    sender = "e2e-vi"
    greeting = chat(sender, "xin chào")
    assert texts(greeting)[0].startswith("Xin chào!")
    assert any(r.get("buttons") for r in greeting)  # the help menu follows the greeting

    replies = chat(sender, "lam can cuoc o dau vay ad")  # no diacritics is still Vietnamese
    answer = texts(replies)
    assert answer and all(detect_language(t) == "vi" for t in answer)
    assert "Nguồn: http" in answer[0]
    [contract] = [r["custom"] for r in replies if "custom" in r]
    assert contract["kind"] == "knowledge_answer" and contract["language"] == "vi"

    handoff = texts(chat(sender, "cho tôi gặp nhân viên tổng đài"))
    assert "tổng đài 1900 1075" in handoff[0]


def test_english_conversation(chat):
    sender = "e2e-en"
    greeting = texts(chat(sender, "hello"))
    assert greeting[0].startswith("Hello!")

    handoff = texts(chat(sender, "can i talk to a real person please"))
    assert "hotline 1900 1075" in handoff[0]

    replies = chat(sender, "what time does the imperial city open")
    assert "Source: http" in texts(replies)[0]
    assert [r["custom"]["entry_id"] for r in replies if "custom" in r] == ["tour.imperial_city"]
    assert texts(replies)[-1] == "Was this helpful?"

    assert texts(chat(sender, "/feedback_helpful")) == ["Thanks for the feedback!"]

    thanks = texts(chat(sender, "thanks a lot"))
    assert thanks == ["You're welcome! Anything else I can help with?"]


def test_language_switch_is_kept(chat):
    sender = "e2e-switch"
    assert texts(chat(sender, "xin chào"))[0].startswith("Xin chào!")
    assert texts(chat(sender, "nói tiếng Anh đi"))[0].startswith("Sure, I'll answer in English")
    # "ok" does not tell the language, so the conversation stays in English.
    assert detect_language(" ".join(texts(chat(sender, "ok")))) == "en"


def test_feedback_reaches_the_store(chat, servers):
    sender = "e2e-feedback"
    chat(sender, "how do i get to hue from hanoi")
    assert texts(chat(sender, "/feedback_not_helpful"))[0].startswith("Thank you, we'll improve")
    database = servers.settings.var_dir / "hue_assistant.sqlite3"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT entry_id, helpful, channel FROM answer_feedback WHERE sender_id = ?", ("rest:" + sender,)).fetchall()
    assert rows == [("tour.getting_to_hue", 0, "rest")]
