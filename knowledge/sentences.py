"""Sentence boundaries for news English, by syntok.

syntok was chosen over pysbd, blingfire and untrained Punkt after testing them on the seed and on
news edge cases: it alone keeps "the U.S. are" together yet splits "from the U.S. This could…",
and keeps "Sen. Warren". Sentences are cut at syntok's token offsets so that every sentence is an
exact slice of the paragraph: nothing quoted can differ from the source.

Splitting is the slowest step of indexing, and about 40 % of it was syntok's tokenizer, which
cuts every whitespace-free chunk of text with several regular expressions. What it makes of a
chunk depends on the chunk alone (plus the whitespace before it, which goes in front of the
chunk's first token), and news text repeats its chunks ("the", "said", "U.S."): so the tokens of
each distinct chunk are worked out once by syntok's own tokenizer and remembered. syntok's
segmenter then reads the same tokens as before: the boundaries cannot differ.
"""

from __future__ import annotations

from syntok import segmenter
from syntok.tokenizer import Tokenizer

from knowledge.segmenter import sentence_starts

_TOKENIZER = Tokenizer(replace_not_contraction=False)  # as segmenter.analyze makes it
_CHUNK = Tokenizer._spaces  # what the tokenizer cuts text into first: runs of non-space
# whitespace-free chunk → its tokens as (spacing, value, offset in the chunk); the first
# token's spacing leaves out the whitespace before the chunk. Bounded: cleared when full.
_CHUNKS: dict[str, tuple[tuple[str, str, int], ...]] = {}
_CHUNKS_KEPT = 200_000


def _chunk_tokens(chunk: str) -> tuple[tuple[str, str, int], ...]:
    known = _CHUNKS.get(chunk)
    if known is None:
        if len(_CHUNKS) >= _CHUNKS_KEPT:
            _CHUNKS.clear()
        known = _CHUNKS[chunk] = tuple(
            (token.spacing, token.value, token.offset) for token in _TOKENIZER.tokenize(chunk)
        )
    return known


def _token_lists(text: str, base_offset: int = 0) -> tuple[list[str], list[str], list[int]]:
    """The values, spacings and offsets of the tokens that
    ``Tokenizer(replace_not_contraction=False).tokenize(text, base_offset)`` yields, each
    distinct chunk tokenised once, without the ``Token`` objects."""
    values: list[str] = []
    spacings: list[str] = []
    offsets: list[int] = []
    if base_offset > 0:
        text = " " * base_offset + text
    offset = base_offset
    for match in _CHUNK.finditer(text):
        start = match.start()
        gap = text[offset:start]
        for spacing, value, at in _chunk_tokens(match.group(0)):
            spacings.append(gap + spacing if gap else spacing)
            values.append(value)
            offsets.append(start + at)
            gap = ""
        offset = match.end()
    if offset < len(text):
        spacings.append(text[offset:])
        values.append("")
        offsets.append(len(text))
    return values, spacings, offsets


def _sentence_starts(text: str) -> list[int]:
    """Where syntok's sentences start: ``segmenter.analyze(text)``, with the tokens above and
    the segmenter restated in ``knowledge.segmenter``."""
    starts: list[int] = []
    for offset, paragraph in segmenter.preprocess_with_offsets(text):
        starts += sentence_starts(*_token_lists(paragraph, offset))
    return starts


def _syntok_starts(text: str) -> list[int]:
    """``_sentence_starts`` by syntok's own tokenizer and segmenter (what tests compare with)."""
    return [
        sentence[0].offset
        for paragraph in segmenter.analyze(text)
        for sentence in paragraph
        if sentence
    ]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of one paragraph, whitespace trimmed."""
    starts = _sentence_starts(text)
    spans: list[tuple[int, int]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        stripped = chunk.rstrip()
        if stripped.strip():
            lead = len(stripped) - len(stripped.lstrip())
            spans.append((start + lead, start + len(stripped)))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of one paragraph, verbatim."""
    return [text[a:b] for a, b in sentence_spans(text)]


def forget_chunks() -> None:
    """Drop the tokens remembered for chunks (a load's worth): the process keeps serving."""
    _CHUNKS.clear()
