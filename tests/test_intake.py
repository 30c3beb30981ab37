"""Adding articles from links and pages: what is kept, what is refused, and that a refusal writes
nothing. Real pages (tests/data/pages) served over a real socket by tests/news_server.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.feeds import feed_pass, parse_feed
from bot.fetching import FEED_TYPES, FetchError, FetchPolicy, fetch, private_networks
from bot.intake import (
    Corrections,
    IntakeError,
    draft_from_file,
    draft_from_link,
    draft_from_source,
    save_draft,
)
from knowledge.config import load_knowledge_config
from knowledge.index import load_knowledge_base
from knowledge.ingest import load_articles, parse_article
from knowledge.topic import about_topic, key_words
from tests.conftest import ROOT
from tests.news_server import PAGES, NewsSite, news_site

TIMELINE = ROOT / "tests" / "data" / "timeline"
LOOPBACK = FetchPolicy(allowed_private=private_networks(["127.0.0.0/8"]))
KEPT = (
    "It was the first time the two men had met in person since the G20 summit in Osaka, Japan, "
    "in June 2019.",
    "The ministry also added holmium, erbium, thulium, europium and ytterbium to its list of "
    "restricted rare earths.",
    "Trump said he would travel to China in April and that Xi would visit the United States at "
    "a later date.",
)
DROPPED = (
    "We use cookies to personalise content, measure traffic and show relevant adverts.",
    "Beijing widens rare-earth licensing to goods with 0.1% Chinese content",
)


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with news_site() as served:
        yield served


async def link(site: NewsSite, path: str, held=(), policy: FetchPolicy = LOOPBACK, **options):
    return await draft_from_link(site.url(path), policy, list(held), set(), **options)


# -- what is kept -------------------------------------------------------------------------------


async def test_a_news_page_keeps_its_article_and_metadata_and_drops_the_page_around_it(site):
    draft = await link(site, "busan_meeting.html", today=dt.date(2025, 11, 2))
    text = draft.data.decode()
    for sentence in KEPT:
        assert sentence in text
    for clutter in (*DROPPED, "Accept all", "Sign up", "Reader comments"):
        assert clutter not in text
    facts = draft.summary()
    assert facts["title"].startswith("Trump and Xi agree to trim tariffs")
    assert facts["publisher"] == "Harbour Ledger"
    assert facts["date"] == "2025-10-30" and facts["date_inferred"] is False
    assert facts["url"] == site.url("busan_meeting.html")
    assert facts["sentences"] >= 20 and facts["first_sentence"].startswith("President Donald Trump")
    assert draft.name.endswith(".md") and draft.replaces is None
    # Saved as it will be loaded: the article parses to the same thing from its bytes.
    article = parse_article(draft.name, draft.data)
    assert article.metadata.publisher == "Harbour Ledger" and "added: '2025-11-02'" in text


async def test_windows_1252_page_is_decoded_and_dated_from_its_dateline(site):
    draft = await link(site, "madrid_talks_latin1.html")
    text = draft.data.decode()
    assert "Sánchez" in text and "Ã" not in text and "\ufffd" not in text
    date = draft.article.date
    assert date is not None and date.day == dt.date(2025, 9, 15) and date.inferred


async def test_a_redirect_chain_is_followed_and_the_link_given_is_kept(site):
    draft = await link(site, "hop/4")
    assert draft.article.metadata.url == site.url("hop/4")
    assert [p for p in site.requests if p.startswith("/hop/")] == [f"/hop/{n}" for n in (4, 3, 2, 1, 0)]


async def test_the_moderators_title_and_date_win(site):
    corrections = Corrections(title="Busan: the truce", published=dt.date(2025, 10, 31))
    draft = await link(site, "stockholm_no_meta.html", corrections=corrections)
    assert draft.article.title == "Busan: the truce"
    assert draft.article.date.day == dt.date(2025, 10, 31) and not draft.article.date.inferred


async def test_a_page_without_a_date_in_its_markup_gets_the_feeds_date_else_the_texts(site):
    undated = await link(site, "stockholm_no_meta.html")
    assert undated.article.date.day == dt.date(2025, 7, 29) and undated.article.date.inferred
    fed = await link(site, "stockholm_no_meta.html", fallback=dt.date(2025, 7, 30))
    assert fed.article.date.day == dt.date(2025, 7, 30) and not fed.article.date.inferred


# -- the same story twice -----------------------------------------------------------------------


async def test_the_same_link_again_replaces_its_earlier_version(site, tmp_path: Path):
    seeds = tmp_path / "seeds"
    first = await draft_from_source(site.url("busan_meeting.html"), LOOPBACK, [], seeds)
    save_draft(seeds, first)
    again = await draft_from_source(site.url("busan_meeting.html"), LOOPBACK, [first.article], seeds)
    assert again.replaces == first.name and again.name == first.name
    save_draft(seeds, again)
    assert sorted(p.name for p in seeds.iterdir()) == [first.name]


async def test_a_syndicated_copy_is_refused_by_name_unless_forced(site):
    original = await link(site, "busan_meeting.html")
    with pytest.raises(IntakeError, match=rf"nearly the same text as `{original.name}`"):
        await link(site, "busan_meeting_syndicated.html", held=[original.article])
    forced = await link(site, "busan_meeting_syndicated.html", held=[original.article], force=True)
    assert forced.article.metadata.publisher == "Pacific Wire Digest"


def test_distinct_reports_of_the_dispute_are_not_near_duplicates():
    """The threshold is far from what separate articles share (the whole dated corpus)."""
    articles, _ = load_articles(TIMELINE)
    for article in articles:
        others = [a for a in articles if a.source != article.source]
        data = article.text.encode()
        draft = draft_from_file(article.source, data, 10**7, others, set())
        assert draft.article.sha256 == article.sha256


# -- what is refused, with nothing written --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "policy", "reason"),
    [
        ("busan_meeting.html", FetchPolicy(), "127.0.0.1 is a loopback address"),
        ("to-metadata", LOOPBACK, "169.254.169.254 is a link-local address"),
        ("to-file", LOOPBACK, "only http and https"),
        ("hop/9", LOOPBACK, "too many redirects (more than 5)"),
        ("huge.html", LOOPBACK, "too large (more than 2,000,000 bytes)"),
        ("report.pdf.html", LOOPBACK, "is a PDF"),
        ("image.png", LOOPBACK, "the site says it is image/png"),
        ("missing.html", LOOPBACK, "answered 404"),
        ("slow.html", dataclasses.replace(LOOPBACK, timeout=0.5), "did not answer within 0.5 s"),
        ("not_an_article.html", LOOPBACK, "no article text found on the page"),
    ],
)
async def test_unsafe_or_broken_sources_are_refused_in_one_line(
    site, tmp_path: Path, path: str, policy: FetchPolicy, reason: str
):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with pytest.raises((FetchError, IntakeError)) as refused:
        await draft_from_source(site.url(path), policy, [], seeds)
    assert reason in str(refused.value) and "\n" not in str(refused.value)
    assert list(seeds.iterdir()) == []


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
     "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"],
)
def test_internal_addresses_are_never_fetched(address: str):
    from bot.fetching import check_url

    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError, match="address"):
        check_url(f"http://{host}/", ())
    assert ipaddress.ip_address(address)  # a real address, not a typo in the table


async def test_a_name_that_resolves_inside_is_refused_before_connecting():
    with pytest.raises(FetchError, match=r"localhost resolves to .*a loopback address"):
        await fetch("http://localhost:9/", FetchPolicy())


# -- feeds ----------------------------------------------------------------------------------------


def test_feeds_are_parsed_and_filtered_by_the_knowledge_bases_vocabulary(site):
    kb = load_knowledge_base(
        dataclasses.replace(load_knowledge_config(ROOT / "config" / "knowledge.yaml"), seeds=TIMELINE)
    )
    keys = key_words(s.text for s in kb.sentences)
    rss = parse_feed("rss", (PAGES / "feed.rss").read_bytes().replace(b"{base}", b"http://x"))
    atom = parse_feed("atom", (PAGES / "feed.atom").read_bytes().replace(b"{base}", b"http://x"))
    assert len(rss) == 4 and len(atom) == 2
    about = {i.link.rsplit("/", 1)[1]: about_topic(f"{i.title}. {i.summary}", keys) for i in rss + atom}
    assert about == {
        "busan_meeting.html": True,
        "madrid_talks_latin1.html": True,
        "sports_page.html": False,
        "missing.html": True,
        "stockholm_no_meta.html": True,
    }
    assert rss[0].published == dt.date(2025, 10, 30)


async def test_a_feed_pass_adds_new_articles_skips_held_ones_and_survives_a_broken_feed(
    site, tmp_path: Path
):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    articles, _ = load_articles(TIMELINE)
    keys = key_words(p.text for a in articles for p in a.paragraphs)
    feeds = [site.url("nope.rss"), site.url("feed.rss"), site.url("busan_meeting.html"),
             site.url("feed.atom")]
    result = await feed_pass(feeds, LOOPBACK, articles, keys, seeds)
    added = sorted(d.article.metadata.url.rsplit("/", 1)[1] for d in result.added)
    assert added == ["busan_meeting.html", "madrid_talks_latin1.html", "stockholm_no_meta.html"]
    assert [link.rsplit("/", 1)[1] for link, _ in result.refused] == ["missing.html"]
    assert {i.link.rsplit("/", 1)[1] for i in result.off_topic} == {"sports_page.html"}
    assert [f for f, _ in result.failed_feeds] == [site.url("nope.rss"), site.url("busan_meeting.html")]
    assert len(list(seeds.glob("*.md"))) == 3
    assert "/sports_page.html" not in site.requests  # off-topic items are never fetched

    again = await feed_pass(feeds, LOOPBACK, [*articles, *(d.article for d in result.added)], keys,
                            seeds)
    assert again.added == [] and again.held == 3
    assert FEED_TYPES  # feeds accept their own content types, pages theirs


# -- the command line -----------------------------------------------------------------------------


def cli_project(tmp_path: Path, **bot: object) -> tuple[Path, Path]:
    """A project folder: knowledge.yaml, bot.yaml (with ``bot`` settings), seeds/ with the seed."""
    import shutil

    import yaml

    from tests.conftest import SEED

    config = tmp_path / "project" / "config"
    config.mkdir(parents=True)
    shutil.copy(ROOT / "config" / "knowledge.yaml", config / "knowledge.yaml")
    (config / "bot.yaml").write_text(yaml.safe_dump({"database": "var/bot.sqlite3", **bot}))
    seeds = tmp_path / "project" / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    return config / "knowledge.yaml", seeds


def cli(config: Path, *args: str):
    """``python -m bot`` as a separate process (its database is the project's var/)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def test_cli_adds_a_local_page_and_the_same_page_from_a_link(site, tmp_path: Path):
    import json

    config, seeds = cli_project(tmp_path, allow_private_urls=True)
    local = cli(config, "add", str(PAGES / "madrid_talks_latin1.html"))
    assert local.returncode == 0, local.stderr
    assert "publisher: Harbour Ledger" in local.stdout
    assert "date: 15 Sep 2025, inferred from the text" in local.stdout
    assert "Added: `us-and-china-settle-on-tiktok-framework-as-madrid-talks-wrap.md`" in local.stdout

    linked = cli(config, "add", "--json", site.url("busan_meeting.html"))
    assert linked.returncode == 0, linked.stderr
    facts = json.loads(linked.stdout)
    assert facts["added"] is True and facts["date"] == "2025-10-30"
    assert facts["date_inferred"] is False and facts["url"] == site.url("busan_meeting.html")

    asked = cli(config, "ask", "--json", "which rare earths did China add to its restricted list?")
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)["reply"]
    assert "holmium" in reply and "Harbour Ledger" in reply and "30 Oct 2025" in reply

    twin = cli(config, "add", site.url("busan_meeting_syndicated.html"))
    assert twin.returncode == 2 and twin.stderr.count("\n") == 1
    assert f"nearly the same text as `{facts['file']}`" in twin.stderr
    assert len(list(seeds.glob("*.md"))) == 2


def test_cli_refuses_a_loopback_link_unless_allowed_and_writes_nothing(site, tmp_path: Path):
    config, seeds = cli_project(tmp_path)
    before = sorted(p.name for p in seeds.iterdir())
    refused = cli(config, "add", site.url("busan_meeting.html"))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "refused: 127.0.0.1 is a loopback address" in refused.stderr
    assert sorted(p.name for p in seeds.iterdir()) == before
    assert site.requests == []
    bad_date = cli(config, "add", "--published", "30/10/2025", str(PAGES / "busan_meeting.html"))
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr


def test_cli_feeds_pass(site, tmp_path: Path):
    import shutil

    config, seeds = cli_project(
        tmp_path, allow_private_urls=["127.0.0.0/8"], feeds=[site.url("feed.atom")]
    )
    for article in TIMELINE.iterdir():
        shutil.copy(article, seeds / article.name)
    result = cli(config, "feeds")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 added, 0 already held, 1 not about the dispute")
    assert "Added: `us-and-china-agree-to-seek-longer-tariff-pause-after.md`" in (
        result.stdout
    )
    none = cli_project(tmp_path / "other")[0]
    empty = cli(none, "feeds")
    assert empty.returncode == 2 and "no feeds configured" in empty.stderr


# -- pages from text ------------------------------------------------------------------------------


def test_charsets_follow_the_header_then_the_page_then_utf8():
    from knowledge.webpage import decode_page

    smart = "“Frank and candid” talks — Sánchez".encode("cp1252")
    assert decode_page(smart, "windows-1252") == "“Frank and candid” talks — Sánchez"
    assert decode_page(smart, "iso-8859-1") == "“Frank and candid” talks — Sánchez"  # as browsers do
    assert decode_page(b'<meta charset="windows-1252">' + smart).endswith("talks — Sánchez")
    assert decode_page("Genève".encode()) == "Genève"
    assert decode_page(b"\xe9t\xe9", "no-such-charset") == "été"  # unknown label: ignored


def test_a_page_with_no_date_anywhere_says_so(tmp_path: Path):
    html = (
        b"<html><head><title>Talks resume | Ledger</title></head><body><article><h1>Talks resume"
        b"</h1><p>Negotiators from Washington and Beijing met again to discuss tariffs. They said "
        b"the talks were constructive.</p><p>No new date was set. Both sides will report to their "
        b"leaders.</p></article></body></html>"
    )
    draft = draft_from_file("page.html", html, 10**6, [], set())
    assert draft.article.date is None and draft.summary()["date"] is None
    assert draft.article.title == "Talks resume"
    from bot.intake import describe

    assert "date: none found" in describe(draft)


def test_corrections_to_a_file_with_broken_front_matter_are_refused_in_one_line(tmp_path: Path):
    broken = b"---\ntitle: [unclosed\n---\n\nTalks resumed in Geneva on Monday.\n"
    with pytest.raises(IntakeError, match="front matter: invalid YAML"):
        draft_from_file("talks.md", broken, 10**6, [], set(), Corrections(title="Geneva"))
    from bot.intake import correct_article

    (tmp_path / "talks.md").write_bytes(broken)
    with pytest.raises(IntakeError, match="front matter: invalid YAML"):
        correct_article(tmp_path, "talks.md", Corrections(title="Geneva"))
    assert (tmp_path / "talks.md").read_bytes() == broken
