"""A pattern's search, ruled out first where it cannot match: by words any match must hold.

The cue patterns (``cues``) are long alternations, most of them ignoring case, that Python's
``re`` tries at every position of a sentence: 10 to 40 microseconds a sentence, for the few
dozen candidates of a question, and most sentences offer no cue. The words are read off the
pattern itself (its parse tree), so that a pattern changed later keeps a sound filter: every
match holds one of them, lowercased (or, for one written ``^word``, starts with it). A text is
checked against them only where that reasoning holds: ASCII (where ignoring case is lowering
both sides) with no whitespace but spaces (where ``\\s`` is a space). Elsewhere, for a
pattern whose words cannot be read, and on a Python whose ``re`` has no parser module of that
name, the pattern alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

try:  # re's own parser and its node types (private modules, as named since 3.11)
    from re import _constants as sre
    from re import _parser
except ImportError:  # pragma: no cover - another Python: every pattern runs unfiltered
    sre = _parser = None  # type: ignore[assignment]

_MOST_RUNS = 64  # literal strings followed at once through a sequence's alternatives


class Prefiltered:
    """``pattern.search`` as a yes or no, ruled out first by the words every match holds."""

    __slots__ = ("_starts", "_words", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        found = necessary_words(pattern)
        self._words: re.Pattern[str] | None = None  # any of the words, anywhere
        self._starts: tuple[str, ...] = ()  # or a text starting with one of these
        if found:
            fewest = _without_longer(found)
            self._starts = tuple(sorted(w[1:] for w in fewest if w.startswith("^")))
            self._words = re.compile(_trie(w for w in fewest if not w.startswith("^")) or "(?!)")

    def search(self, text: str) -> bool:
        """Whether ``pattern`` matches anywhere in ``text``."""
        return self.may_match(text) and self.pattern.search(text) is not None

    def may_match(self, text: str) -> bool:
        """False only where ``pattern`` cannot match ``text``: an ASCII text with no whitespace
        but spaces that holds none of its words."""
        if self._words is None or not (text.isascii() and text.isprintable()):
            return True
        lowered = text.lower()
        return lowered.startswith(self._starts) or self._words.search(lowered) is not None


def _without_longer(words: frozenset[str]) -> set[str]:
    """The words but those holding another (a text holding one holds the other)."""
    return {w for w in words if not any(o != w and o.strip("^") in w for o in words
                                        if not o.startswith("^") or w.startswith(o))}


def _trie(words: Iterable[str]) -> str:
    """A pattern matching any of ``words``, their common beginnings written once: Python's
    ``re`` tries every alternative of an alternation at every position where one may begin."""
    tree: dict = {}
    for word in words:
        node = tree
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}

    def written(node: dict) -> str:
        parts = [re.escape(c) + written(child) for c, child in sorted(node.items()) if c]
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        return f"(?:{body})?" if "" in node else body

    return written(tree)


def necessary_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lowercased strings one of which every match of ``pattern`` holds in a lowercased ASCII
    text with no whitespace but spaces (``^word``: the text starts with it); None when the
    pattern's parse shows none."""
    if _parser is None or not isinstance(pattern.pattern, str):
        return None
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except (re.error, AttributeError, TypeError):  # pragma: no cover - another re's parser
        return None
    words = _of_sequence(list(tree), anchored=not pattern.flags & re.MULTILINE)
    return frozenset(words) if words and all(w not in ("", "^") for w in words) else None


def _of_sequence(items: list, anchored: bool) -> set[str] | None:
    """What a sequence of parse items must hold: of its literal runs (each character of a small
    class, each of a small alternation of literals, followed at once) and the needs of its
    required parts, the most selective. ``anchored``: it starts where the text starts."""
    options: list[set[str]] = []
    runs = {""}

    def close() -> None:
        nonlocal runs
        if all(run.strip("^") for run in runs):
            options.append(set(runs))
        runs = {""}

    def grow(ends: set[str]) -> None:
        nonlocal runs
        grown = {run + end for run in runs for end in ends}
        if len(grown) > _MOST_RUNS:
            close()
            grown = set(ends)
        runs = grown

    for op, av in items:
        characters = _characters(op, av)
        if characters:
            grow(characters)
        elif op is sre.AT and av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING) and anchored:
            runs = {"^"}  # nothing before it: the text's start
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width: the run goes on (and a start stays the start)
        elif op is sre.BRANCH and (alternatives := _literal_alternatives(av[1], anchored)):
            grow(alternatives)
        elif op is sre.MAX_REPEAT and (av[0], av[1]) == (0, 1) and (
            (literal := _literal_of(list(av[2]))) is not None
        ):
            runs = runs | {run + literal for run in runs}  # optional: with it and without
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            literal = _literal_of(list(av[2]))
            if literal:  # once at least: its first copy, then the run ends
                grow({literal})
                close()
            else:
                close()
                _add(options, _of_sequence(list(av[2]), anchored))
        else:
            close()
            if op is sre.BRANCH:
                _add(options, _of_alternatives(av[1], anchored))
            elif op is sre.SUBPATTERN:
                _add(options, _of_sequence(list(av[-1]), anchored))
            elif op is sre.ATOMIC_GROUP:
                _add(options, _of_sequence(list(av), anchored))
        anchored = False
    close()
    return max(options, key=lambda words: min(len(w.strip("^")) for w in words), default=None)


def _add(options: list[set[str]], words: set[str] | None) -> None:
    if words:
        options.append(words)


def _of_alternatives(alternatives: Iterable, anchored: bool) -> set[str] | None:
    """One of every alternative's needs: none if an alternative has none."""
    found: set[str] = set()
    for alternative in alternatives:
        words = _of_sequence(list(alternative), anchored)
        if not words:
            return None
        found |= words
    return found


def _literal_alternatives(alternatives: Iterable, anchored: bool) -> set[str] | None:
    """Each alternative as a literal string, if every one is one (``^`` for the text's start)."""
    out = set()
    for alternative in alternatives:
        items = list(alternative)
        if anchored and items in ([(sre.AT, sre.AT_BEGINNING)], [(sre.AT, sre.AT_BEGINNING_STRING)]):
            out.add("^")
            continue
        literal = _literal_of(items)
        if not literal:
            return None
        out.add(literal)
    return out


def _literal_of(items: list) -> str | None:
    """A sequence of single characters (a literal, ``\\s``) as a lowercased string, else None."""
    out = []
    for op, av in items:
        characters = _characters(op, av)
        if characters is None or len(characters) != 1:
            return None
        out.append(next(iter(characters)))
    return "".join(out)


def _characters(op: object, av: object) -> set[str] | None:
    """The characters one parse item may match in an ASCII text with no whitespace but spaces,
    lowercased: a literal, ``\\s`` (a space), ``\\d``, a small class of them; None for any
    other item, or a class of more than ``_MOST_RUNS``."""
    if op is sre.LITERAL:
        return _character(av)
    if op is not sre.IN:
        return None
    out: set[str] = set()
    for kind, value in av:  # type: ignore[attr-defined]
        if kind is sre.LITERAL:
            found = _character(value)
        elif kind is sre.RANGE and value[1] - value[0] < _MOST_RUNS:
            found = set()
            for code in range(value[0], value[1] + 1):
                one = _character(code)
                if one is None:
                    return None
                found |= one
        elif (kind, value) == (sre.CATEGORY, sre.CATEGORY_SPACE):
            found = {" "}
        elif (kind, value) == (sre.CATEGORY, sre.CATEGORY_DIGIT):
            found = set("0123456789")
        else:  # a negated class, \w, …
            return None
        if found is None:
            return None
        out |= found
    return out if 0 < len(out) <= _MOST_RUNS else None


def _character(code: object) -> set[str] | None:
    """A literal character, lowercased; none for one without case outside ASCII (no ASCII
    character matches it, ignoring case or not); None for one with case outside ASCII (ignoring
    case, "ſ" matches "s")."""
    if not isinstance(code, int):
        return None
    character = chr(code)
    if code < 128:
        return {character.lower()}
    return set() if character.lower() == character.upper() == character else None
