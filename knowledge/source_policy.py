"""Which sources an entry may cite: official pages first, news and other provinces' sites only with a reason.

A city signs an answer when it can point to the office that publishes the rule. News pages, Wikipedia and
another province's portal are not that office: an entry citing one must say why in `source_note`, and a
news page can never be the only source (its note must name an official page).
"""
from __future__ import annotations

import re
from typing import Iterable, List
from urllib.parse import urlparse

# News sites whose pages have been cited for facts an official page publishes.
NEWS_DOMAINS = frozenset({
    "vnexpress.net", "laodong.vn", "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "cafef.vn", "plo.vn",
    "vneconomy.vn", "vietnamnet.vn", "vietnamplus.vn", "vietnamnews.vn", "sggp.org.vn", "baonghean.vn",
    "baohaiduong.vn", "baodanang.vn", "vtcnews.vn", "24h.com.vn", "vtv.vn", "giadinhonline.vn",
    "phunuonline.com.vn", "hanoitimes.vn", "daibieunhandan.vn", "cand.com.vn", "thesaigontimes.vn",
    "einpresswire.com", "huengaynay.vn", "baothuathienhue.vn", "danviet.vn", "vnanet.vn", "vietnam.vn",
    "baoxaydung.com.vn", "tapchidulich.net.vn",
})
# Portals of other provinces (their procedures differ in office, address and sometimes fee).
OTHER_PROVINCE_DOMAINS = frozenset({"investvinhphuc.vn", "thtg.vn", "laichau.gov.vn", "danang.gov.vn"})
WIKI_DOMAINS = frozenset({"wikipedia.org"})
URL_RE = re.compile(r"https?://[^\s)>\]]+")


def _domain(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _matches(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def is_news(url: str) -> bool:
    return _matches(_domain(url), NEWS_DOMAINS)


def needs_reason(url: str) -> bool:
    """A source on the short list: news, another province's site or a wiki."""
    host = _domain(url)
    return _matches(host, NEWS_DOMAINS | OTHER_PROVINCE_DOMAINS | WIKI_DOMAINS)


def source_findings(entries) -> List[str]:
    """One line per entry whose source breaks the policy; empty when every entry is fine."""
    findings = []
    for entry in entries:
        url, note = entry.source_url, (entry.source_note or "").strip()
        if not needs_reason(url):
            continue
        if not note:
            findings.append(f"{entry.id}: {_domain(url)} is on the news / other-province / wiki list "
                            "and the entry has no source_note saying why")
        elif is_news(url) and not any(not needs_reason(u) for u in URL_RE.findall(note)):
            findings.append(f"{entry.id}: a news page ({_domain(url)}) is its only source; "
                            "cite the official page")
    return findings
