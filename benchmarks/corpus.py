"""A deterministic English corpus of any size up to millions of sentences, from text every Python has.

Recipe (version ``RECIPE``; results/README.md says the same in prose):

1. Real sentences. Every ``.py`` file of the standard library (``sysconfig``'s ``stdlib`` path,
   walked in sorted order, ``site-packages`` and ``__pycache__`` left out) gives its triple-quoted
   strings (docstrings, mostly) and its blocks of whole-line ``#`` comments; then the entries of
   ``pydoc_data.topics`` (the language reference), by sorted key. Nothing is imported but
   ``pydoc_data.topics``: the files are read as text.
2. Paragraphs are split at blank lines, whitespace is collapsed, and sentences are cut by a cheap
   regex (after ``.``, ``!``, ``?``, ``:`` or ``;`` followed by a space and a capital, quote or
   parenthesis). A sentence is kept if it has 4 to 60 words, at most 300 characters, no ``>>>``,
   and letters make up at least 65% of it (prose, not code). Its first letter is capitalised and
   a period is added when it has no final punctuation, so that an article made of these
   sentences splits back into them. Repeats (compared as ``knowledge.ingest.match_key``) go.
3. Order: the real sentences in a seeded random order (``SEED``).
4. Beyond the real ones (about 50,000 with CPython 3.11), distinct variants are made by
   splicing: the first half of the words of one real sentence and the second half of another's,
   both drawn by a second seeded generator; a splice that repeats an earlier sentence is skipped.
   Every variant is made of real English phrases, with real sentence lengths and word
   frequencies, but the vocabulary does not grow as a real corpus's would (posting lists get
   longer: harder for an inverted index, not easier).

A corpus of ``n`` sentences is the first ``n`` of that sequence, so smaller corpora are prefixes
of larger ones and the 1k and 10k corpora are wholly real text. The sequence depends only on the
recipe version and the standard library's files (hence on the Python version); the cache file
name says both.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import re
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.analysis import STOP_WORDS, Analyzer, surface_tokens
from knowledge.ingest import match_key

RECIPE = 1
SEED = 20_250_512
CACHE = Path(__file__).resolve().parent / ".cache"
ANALYSIS_SOURCE = Path(__file__).resolve().parent.parent / "knowledge" / "analysis.py"

_TRIPLE = re.compile(r'("""|\'\'\')(.*?)\1', re.S)
_COMMENTS = re.compile(r"(?:^[ \t]*#.*\n)+", re.M)
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[A-Za-z][a-z]+")
_FINAL = (".", "!", "?", ":", ";", '"', "'", ")")


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "__pycache__"}
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        files.extend(Path(folder) / n for n in sorted(names) if n.endswith(".py"))
    # pydoc_data/topics.py is one big literal: its text comes from the module itself below.
    return [f for f in files if f.parts[-2:] != ("pydoc_data", "topics.py")]


def source_texts() -> Iterator[str]:
    """Docstrings, comment blocks and language-reference topics, in a fixed order."""
    for path in _stdlib_files():
        source = path.read_text(encoding="utf-8", errors="replace")
        for match in _TRIPLE.finditer(source):
            yield match.group(2)
        for match in _COMMENTS.finditer(source):
            yield "\n".join(line.strip().lstrip("#").strip() for line in match.group(0).split("\n"))
    from pydoc_data.topics import topics

    for key in sorted(topics):
        yield topics[key]


def split_sentences(text: str) -> Iterator[str]:
    """The cheap splitter of the recipe: paragraphs at blank lines, sentences by regex."""
    for paragraph in _PARAGRAPHS.split(text):
        flat = " ".join(paragraph.split())
        if flat:
            yield from _SENTENCE_END.split(flat)


def _prose(sentence: str) -> str | None:
    """The sentence as the corpus keeps it, or None if it is not prose."""
    words = _WORD.findall(sentence)
    if not 4 <= len(words) <= 60 or len(sentence) > 300 or ">>>" in sentence:
        return None
    if sum(map(len, words)) < 0.65 * len(sentence):
        return None
    sentence = sentence[0].upper() + sentence[1:]
    return sentence if sentence.endswith(_FINAL) else sentence + "."


def real_sentences() -> list[str]:
    """Distinct prose sentences of the standard library, in source order."""
    seen: set[str] = set()
    out: list[str] = []
    for text in source_texts():
        for raw in split_sentences(text):
            sentence = _prose(raw)
            if sentence is None:
                continue
            key = match_key(sentence)
            if key not in seen:
                seen.add(key)
                out.append(sentence)
    return out


def generate(size: int, real: Sequence[str] | None = None) -> list[str]:
    """The first ``size`` sentences of the recipe's sequence (no cache)."""
    real = real_sentences() if real is None else real
    _REAL_COUNT[corpus_key()] = len(real)
    order = np.random.default_rng(SEED).permutation(len(real))
    out = [real[i] for i in order[:size].tolist()]
    if len(out) < size:
        out.extend(_splices(real, size - len(out)))
    return out


def _splices(real: Sequence[str], count: int) -> list[str]:
    words = [s.split() for s in real]
    seen = {match_key(s) for s in real}
    rng = np.random.default_rng(SEED + 1)
    out: list[str] = []
    while len(out) < count:
        for a, b in rng.integers(0, len(real), size=(65_536, 2)).tolist():
            if a == b:
                continue
            head, tail = words[a], words[b]
            text = " ".join(head[: (len(head) + 1) // 2] + tail[len(tail) // 2 :])
            key = match_key(text)
            if key in seen:
                continue
            seen.add(key)
            out.append(text)
            if len(out) == count:
                break
    return out


def corpus_key() -> str:
    return f"corpus-r{RECIPE}-py{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"


_REAL_COUNT: dict[str, int] = {}


def sentences(size: int, cache: Path | None = CACHE) -> list[str]:
    """Exactly ``size`` sentences, read from (or added to) the cache when one is given."""
    if cache is None:
        return generate(size)
    path = cache / f"{corpus_key()}.txt"
    facts = path.with_suffix(".json")
    if path.is_file() and facts.is_file():
        lines = path.read_text(encoding="utf-8").split("\n")[:-1]
        if len(lines) >= size:
            _REAL_COUNT[corpus_key()] = json.loads(facts.read_text())["real"]
            return lines[:size]
    out = generate(size)
    cache.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, ("\n".join(out) + "\n").encode("utf-8"))
    _write_atomically(facts, json.dumps({"real": _REAL_COUNT[corpus_key()]}).encode())
    return out


def real_count() -> int:
    """How many real (not spliced) sentences the recipe found, once a corpus has been made."""
    if corpus_key() not in _REAL_COUNT:
        _REAL_COUNT[corpus_key()] = len(real_sentences())
    return _REAL_COUNT[corpus_key()]


def _terms_of(analyzer: Analyzer, texts: Sequence[str]) -> list[list[str]]:
    return [analyzer.terms(text) for text in texts]


def analyzer_key(aliases: dict[str, list[str]]) -> str:
    digest = hashlib.sha256(ANALYSIS_SOURCE.read_bytes())
    digest.update(json.dumps(aliases, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def tokenize(
    texts: Sequence[str],
    analyzer: Analyzer,
    *,
    cache: Path | None = None,
    key: str = "",
    workers: int = 1,
) -> list[list[str]]:
    """``analyzer.terms`` of every text, equal strings shared (one object per distinct term).

    With ``cache`` and ``key`` (which must name the texts and the analyzer), token lists are
    kept in ``cache`` and a later call for a prefix of the same texts reads them back.
    ``workers`` > 1 analyses large inputs in that many forked processes.
    """
    path = cache / f"tokens-{key}.pkl" if cache is not None and key else None
    if path is not None and path.is_file():
        with path.open("rb") as handle:
            stored: list[list[str]] = pickle.load(handle)
        if len(stored) >= len(texts):
            return stored[: len(texts)]
    if workers > 1 and len(texts) >= 100_000:
        step = -(-len(texts) // (workers * 4))
        chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as executor:
            parts = list(executor.map(_terms_of, [analyzer] * len(chunks), chunks))
        raw = [terms for part in parts for terms in part]
    else:
        raw = _terms_of(analyzer, texts)
    pool: dict[str, str] = {}
    intern = pool.setdefault
    out = [[intern(t, t) for t in terms] for terms in raw]
    del raw
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    return out


# --- questions ------------------------------------------------------------------------------

# Words a user of a trade-talks bot might type that a corpus of Python docs does not hold (or
# hardly): some names (answers.answer reacts to unknown capitalised names), some made-up words.
UNKNOWN_WORDS = (
    "tariffs",
    "soybeans",
    "Beijing",
    "negotiators",
    "Geneva",
    "truce",
    "zorvath",
    "quindle",
    "blorptastic",
    "snarfle",
)
_LEADS = (
    "what",
    "how does",
    "why is",
    "when",
    "which",
    "who",
    "where is",
    "how",
    "why do",
    "what about",
)


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # the question as a user would type it
    terms: tuple[str, ...]  # what the project's Analyzer makes of it: fed to every system


def make_queries(
    pool: Sequence[str], analyzer: Analyzer, count: int = 200, seed: int = SEED + 2
) -> list[Query]:
    """``count`` questions of 3 to 6 words: a question lead, 2 to 4 words of one sentence of
    ``pool`` (use a prefix that every corpus size contains), and now and then an unknown word."""
    rng = np.random.default_rng(seed)
    out: list[Query] = []
    while len(out) < count:
        sentence = pool[int(rng.integers(len(pool)))]
        words = list(
            dict.fromkeys(
                w
                for w in surface_tokens(sentence)
                if w.isalpha() and len(w) >= 3 and w.lower() not in STOP_WORDS
            )
        )
        if len(words) < 2:
            continue
        lead = _LEADS[int(rng.integers(len(_LEADS)))]
        room = 6 - len(lead.split())
        take = int(rng.integers(2, min(room, 4, len(words)) + 1))
        picked = sorted(rng.choice(len(words), size=take, replace=False).tolist())
        chosen = [words[i].lower() if not words[i].isupper() else words[i] for i in picked]
        if rng.random() < 0.2:
            unknown = UNKNOWN_WORDS[int(rng.integers(len(UNKNOWN_WORDS)))]
            chosen[int(rng.integers(len(chosen)))] = unknown
        text = f"{lead} {' '.join(chosen)}?"
        text = text[0].upper() + text[1:]
        out.append(Query(text, tuple(analyzer.terms(text))))
    return out


# --- articles -------------------------------------------------------------------------------


def article_texts(
    texts: Sequence[str], per_article: int = 250, per_paragraph: int = 4
) -> list[tuple[str, str]]:
    """(file name, Markdown text) of articles holding ``texts`` in order: a headline (``# ``
    and the article's first sentence), then paragraphs of ``per_paragraph`` sentences."""
    out: list[tuple[str, str]] = []
    for number, start in enumerate(range(0, len(texts), per_article)):
        chunk = texts[start : start + per_article]
        body = chunk[1:] if len(chunk) > 1 else chunk
        paragraphs = [
            " ".join(body[i : i + per_paragraph]) for i in range(0, len(body), per_paragraph)
        ]
        text = "# " + chunk[0].rstrip(".") + "\n\n" + "\n\n".join(paragraphs) + "\n"
        out.append((f"{number:05d}.md", text))
    return out


def write_articles(folder: Path, texts: Sequence[str], **layout: int) -> int:
    """Write the articles of ``texts`` into ``folder``; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = article_texts(texts, **layout)
    for name, text in articles:
        (folder / name).write_text(text, encoding="utf-8")
    return len(articles)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)
