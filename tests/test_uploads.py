"""Uploaded articles: safe names, size and encoding checks, atomic writes inside seeds/."""

from __future__ import annotations

import pytest

from bot.uploads import UploadError, check_upload, remove_article, safe_name, save_article


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Trade Talks.md", "trade-talks.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.TXT", "evil.txt"),
        ("Ünïcødé — news!.txt", "unicde-news.txt"),  # ø has no ASCII decomposition
        ("....txt", "article.txt"),
    ],
)
def test_safe_names_never_carry_a_path(filename, expected):
    assert safe_name(filename, set()) == expected


def test_taken_names_get_a_number():
    assert safe_name("a.txt", {"a.txt", "a-2.txt"}) == "a-3.txt"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("x.pdf", b"text", "only .txt and .md"),
        ("x.txt", b"\x89PNG\x00\x00binary", "binary file"),
        ("x.txt", "caf\u00e9".encode("latin-1"), "not valid UTF-8"),
        ("x.txt", b"", "empty file"),
        ("x.txt", b"A sentence. " * 100, "too large"),
    ],
)
def test_bad_uploads_are_refused(filename, data, message):
    with pytest.raises(UploadError, match=message):
        check_upload(filename, data, max_bytes=1000, taken=set())


def test_save_and_remove_stay_inside_seeds(tmp_path):
    seeds = tmp_path / "seeds"
    name, article = check_upload("talks.md", b"# Talks\n\nThey met.\n", 1000, set())
    path = save_article(seeds, name, b"# Talks\n\nThey met.\n")
    assert path == (seeds / "talks.md").resolve() and article.title == "Talks"
    assert [p.name for p in seeds.iterdir()] == ["talks.md"]  # no temporary file left
    with pytest.raises(UploadError):
        save_article(seeds, "../outside.txt", b"x")
    with pytest.raises(UploadError):
        remove_article(seeds, "../../etc/passwd")
    assert remove_article(seeds, "talks.md") == [path]
    with pytest.raises(UploadError, match="not in the seeds folder"):
        remove_article(seeds, "talks.md")
