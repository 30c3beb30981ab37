"""Articles added from Discord: checked, named safely and written atomically under seeds/.

The file name is derived from the upload's name but never trusted as a path: only its last part
is used, reduced to ``a-z0-9-``, and the result must land inside the seeds folder.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from knowledge.ingest import ARTICLE_SUFFIXES, ArticleError, parse_article
from knowledge.model import Article


class UploadError(ValueError):
    """Why an upload is refused, in one line for the moderator."""


def safe_name(filename: str, taken: set[str]) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _, extension = base.rpartition(".")
    suffix = f".{extension.lower()}"
    if suffix not in ARTICLE_SUFFIXES:
        raise UploadError(f"only {' and '.join(ARTICLE_SUFFIXES)} articles can be added")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")
    if len(slug) > 60:  # cut at a word, not inside one
        slug = slug[:61].rsplit("-", 1)[0] if "-" in slug[:61] else slug[:60]
    slug = slug or "article"
    name, n = f"{slug}{suffix}", 2
    while name in taken:
        name, n = f"{slug}-{n}{suffix}", n + 1
    return name


def names_in(seeds: Path) -> set[str]:
    """The file names the seeds folder holds: a new article's name must be none of them."""
    return {p.name for p in seeds.iterdir()} if seeds.is_dir() else set()


def check_upload(
    filename: str, data: bytes, max_bytes: int, taken: set[str]
) -> tuple[str, Article]:
    """The name to save under and the parsed article; raises ``UploadError``."""
    if len(data) > max_bytes:
        raise UploadError(
            f"the file is too large ({len(data):,} bytes; the limit is {max_bytes:,})"
        )
    name = safe_name(filename, taken)
    try:
        article = parse_article(name, data)
    except ArticleError as exc:
        raise UploadError(str(exc)) from None
    return name, article


def save_article(seeds: Path, name: str, data: bytes) -> Path:
    """Write atomically (temporary hidden file, then rename) so a reload never sees half a file."""
    target = (seeds / name).resolve()
    if target.parent != seeds.resolve():
        raise UploadError("refusing a file name outside the seeds folder")
    seeds.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=seeds)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def remove_article(seeds: Path, source: str) -> list[Path]:
    """Delete a known source (and its metadata sidecar); the path must stay inside seeds/."""
    root = seeds.resolve()
    target = (seeds / source).resolve()
    if not target.is_relative_to(root) or target == root:
        raise UploadError("refusing a path outside the seeds folder")
    removed = []
    for path in [target, *(target.with_suffix(s) for s in (".meta.yaml", ".meta.yml"))]:
        if path.is_file():
            path.unlink()
            removed.append(path)
    if not removed:
        raise UploadError(f"{source} is not in the seeds folder")
    return removed
