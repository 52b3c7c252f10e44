"""knowledge/source_policy.py: every shipped entry cites an official source, or says why it cannot."""
import textwrap

import pytest

from knowledge.schema import load_entries
from knowledge.source_policy import URL_RE, is_news, needs_reason, source_findings

ENTRY = """
  - id: svc.test_entry
    category: city_service
    tags: [test]
    source_url: {url}
{note}    reviewed: 2026-11-21
    vi:
      title: Thử
      questions: [một, hai, ba]
      answer: Câu trả lời đủ dài để qua kiểm tra.
    en:
      title: Test
      questions: [one, two, three]
      answer: An answer that is long enough to pass.
"""


def entry(tmp_path, url, note=None):
    note_line = f"    source_note: {note}\n" if note else ""
    (tmp_path / "family.yml").write_text(
        "family: test\nentries:\n" + textwrap.dedent(ENTRY.format(url=url, note=note_line)), encoding="utf-8")
    return load_entries(tmp_path)


def test_shipped_entries_follow_the_source_policy():
    findings = source_findings(load_entries())
    assert findings == [], "\n".join(findings)


def test_no_shipped_entry_has_a_news_page_as_its_only_source():
    def official(entry):
        urls = [entry.source_url, *URL_RE.findall(entry.source_note or "")]
        return [u for u in urls if not needs_reason(u)]

    assert [e.id for e in load_entries() if not official(e)] == []
    assert [e.id for e in load_entries() if is_news(e.source_url)] == []


@pytest.mark.parametrize("url", [
    "https://news.laodong.vn/xe/abc.ldo", "https://e.vnexpress.net/news/x.html", "http://investvinhphuc.vn/en?p=1",
    "http://www.thtg.vn/so-tu-phap", "https://en.wikipedia.org/wiki/Hue", "https://dichvucong.laichau.gov.vn/x",
])
def test_listed_domains_without_a_reason_are_rejected(tmp_path, url):
    [finding] = source_findings(entry(tmp_path, url))
    assert finding.startswith("svc.test_entry:") and "source_note" in finding


@pytest.mark.parametrize("url", [
    "https://dichvucong.gov.vn/p/home/x.html", "https://tuongtac.hue.gov.vn/phan-anh/x.html",
    "https://www.hueworldheritage.org.vn/", "https://cskh.cpc.vn/cham-soc-khach-hang",
])
def test_official_sources_pass_without_a_note(tmp_path, url):
    assert not needs_reason(url)
    assert source_findings(entry(tmp_path, url)) == []


def test_a_reason_admits_a_wiki_or_other_province_page(tmp_path):
    note = "'the national procedure text, same in every province; no Hue page published'"
    assert source_findings(entry(tmp_path, "https://dichvucong.laichau.gov.vn/x", note)) == []


def test_a_news_page_with_a_note_but_no_official_url_is_still_rejected(tmp_path):
    [finding] = source_findings(entry(tmp_path, "https://plo.vn/x.html", "'no official page found'"))
    assert "only source" in finding


def test_a_news_page_is_accepted_next_to_an_official_page_named_in_the_note(tmp_path):
    note = "'figures from the article; rule at https://tuongtac.hue.gov.vn/phan-anh/x.html'"
    assert source_findings(entry(tmp_path, "https://plo.vn/x.html", note)) == []
