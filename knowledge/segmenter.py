"""syntok's sentence segmenter (``syntok.segmenter.segment``, version 1.4.4), restated over flat
lists of token values, spacings and offsets: the same decisions, several times faster.

syntok walks a paragraph token by token through a state machine of ``State`` objects, each step a
handful of property calls, a ``list.pop(0)`` and a ``Token`` object; at a million sentences that
was half of a cold load. Here the tokens are three lists, syntok's queue is the window
``[queue, fetched)`` of them and its history the run ``[history, queue)`` (history is always the
tokens between the last cut and the queue), and each method keeps the name, order of tests and
lazy fetching (``_fetch_next``: a token not yet fetched is not "next", as in syntok) of the one
it restates. ``tests/test_sentences.py`` checks that it cuts where the installed syntok does, on
every paragraph of the project's articles and on cases taking each branch (a later syntok that
cut differently would fail there); it also agreed on the benchmark corpus's million sentences.
"""

from __future__ import annotations

from bisect import bisect_right

from syntok._segmentation_states import State

_TERMINALS = State.terminals
_OPENING = State.opening_brackets
_CLOSING = State.closing_brackets
_CLOSING_QUOTES = State.closing_quotes
_INNER_PUNCTUATION = State.inner_sentence_punctuation
_ABBREVIATIONS = State.abbreviations
_MONTHS = State.months
_STARTERS = State.starters
_ROMAN = State.roman_numerals
_VOWELS = State.vowels

_MARKS = _TERMINALS | _OPENING  # "(" is one of the opening brackets

# syntok's states
_FIRST, _INNER, _TERMINAL, _END = range(4)


class _Segmenter:
    __slots__ = ("fetched", "history", "marks", "n", "offsets", "queue", "spacings", "values")

    def __init__(self, values: list[str], spacings: list[str], offsets: list[int]) -> None:
        self.values, self.spacings, self.offsets = values, spacings, offsets
        self.n = len(values)
        self.history = 0  # history: [history, queue)
        self.queue = 0  # queue: [queue, fetched)
        self.fetched = min(1, self.n)  # Begin fetches the first token
        # where the tokens that are stops or opening brackets are, then the end: only there
        # can an inner token's step do more than move the queue on (see ``_inner_token``)
        marks = [i for i, value in enumerate(values) if value in _MARKS]
        marks.append(self.n)
        self.marks = marks

    # --- State's helpers ---------------------------------------------------------------------

    def _fetch_next(self) -> bool:
        if self.fetched < self.n:
            self.fetched += 1
            return True
        return False

    def _next(self) -> str | None:
        """The value of the next token, None when the queue is empty (not fetched yet)."""
        return self.values[self.queue] if self.queue < self.fetched else None

    def _last(self) -> str:
        return self.values[self.queue - 1] if self.queue > self.history else ""

    def _next_has_no_spacing(self) -> bool:
        return self.queue < self.fetched and not self.spacings[self.queue]

    def _move(self) -> bool:
        if self.queue >= self.fetched:
            raise IndexError("pop from empty list")  # as syntok's queue.pop(0)
        self.queue += 1
        if self.queue == self.fetched:
            return self._fetch_next()
        return True

    def _move_and_skip_bracketed_text(self) -> bool:
        if self._move() and self._next() in _OPENING:
            self._skip_bracketed_text()
        if self.queue == self.fetched:
            return self._fetch_next()
        return True

    def _find_end_of_bracketed_text(self) -> tuple[int, bool]:
        values = self.values
        stack = 1  # syntok stacks bracket values; only the stack's size is ever read
        idx = 1
        first_is_title = None
        last_is_terminal = False
        while (self.fetched - self.queue > idx or self._fetch_next()) and idx < 50:
            value = values[self.queue + idx]
            if first_is_title is None and value.isalnum():
                first_is_title = value.istitle()
            elif first_is_title and value.isalnum():
                if self.fetched - self.queue > idx + 1 or self._fetch_next():
                    last_is_terminal = values[self.queue + idx + 1] in _TERMINALS
                else:
                    last_is_terminal = False
            if value in _OPENING:
                stack += 1
            elif value in _CLOSING:
                stack -= 1
                if stack == 0:
                    break
            idx += 1
        return (idx if stack == 0 else 0, bool(first_is_title and last_is_terminal))

    def _skip_bracketed_text(self) -> bool:
        closing, inner_sentence = self._find_end_of_bracketed_text()
        start = self.offsets[self.queue]
        if closing > 0:
            at = self.queue + closing
            end = self.offsets[at] + len(self.values[at])
            if end - start < State.max_bracket_skipping_length or not inner_sentence:
                self.queue = at + 1
                self._fetch_next()
                return True
        return False

    def _find_next_token_after_bracket(self) -> str:
        closing, inner_sentence = self._find_end_of_bracketed_text()
        if (
            closing > 0
            and not inner_sentence
            and (self.fetched - self.queue > closing + 1 or self._fetch_next())
        ):
            return self.values[self.queue + closing + 1]
        return ""

    def _find_token_after_next(self) -> str:
        queued = self.fetched - self.queue
        if queued > 0 and (queued > 1 or self._fetch_next()):
            return self.values[self.queue + 1]
        return ""

    def _move_to_next_relevant_word_and_return_token_after_terminal(self) -> str:
        assert self._last() in _TERMINALS or self._next() in _OPENING
        token = None
        if self._next() in _OPENING and self._last() not in _TERMINALS:
            self._skip_bracketed_text()
        else:
            while (value := self._next()) is not None and (
                value in _TERMINALS or value in _CLOSING
            ):
                if not self._move():
                    break
                if token is None:
                    token = self._last()
            if (
                self._next() in _CLOSING_QUOTES
                and self._next_has_no_spacing()
                and self._move()  # moved whenever the two above hold, as in syntok
                and token is None
            ):
                token = self._last()
            while (value := self._next()) is not None and (
                value in _TERMINALS or value in _CLOSING
            ):
                if not self._move():
                    break
                if token is None:
                    token = self._last()
            if self._next() in _OPENING:
                token = self.values[self.queue]
        if token is None and (self.queue < self.fetched or self._fetch_next()):
            token = self.values[self.queue]
        return "" if token is None else token

    def _move_and_maybe_extract_terminal(self, state: int) -> int:
        token_before = self._last()
        if self._next() not in _OPENING:
            self._move()
        token_after = self._move_to_next_relevant_word_and_return_token_after_terminal()
        following = self._next()
        if following is not None and (following[:1].islower() or following in _INNER_PUNCTUATION):
            return state
        if (
            not (state == _FIRST and _single_letter_or_roman_numeral(token_before))
            and following is not None
            and following in _STARTERS
        ):
            return _TERMINAL
        if token_before in _ABBREVIATIONS and token_after not in _CLOSING:
            return state
        if (
            token_before in ("no", "No", "NO")
            and following is not None
            and any(c.isnumeric() for c in following)
            and following.isalnum()
        ):
            return state
        no_spacing = self._next_has_no_spacing()
        if following is not None and following.isnumeric() and no_spacing:
            return state
        if no_spacing and (
            not token_after.istitle() or not token_after.isalpha() or len(token_after) == 1
        ):
            return state
        if following is not None and following.isnumeric() and len(following) > 2:
            return state
        if token_before.isnumeric() and following is not None and following in _MONTHS:
            return state
        if token_before in _MONTHS and following is not None and following.isnumeric():
            return state
        if "." in token_before and token_after != ".":
            return state
        if (state == _FIRST or token_before.isupper()) and _single_letter_or_roman_numeral(
            token_before
        ):
            return state
        if len(token_before) == 1 and token_before.isalpha() and token_before not in _VOWELS:
            return state
        if token_after in _OPENING:
            after_brackets = self._find_next_token_after_bracket()
            after_opening = self._find_token_after_next()
            if after_brackets in _INNER_PUNCTUATION:
                return state
            if after_opening.istitle():
                return _TERMINAL
            if after_brackets[:1].islower():
                return state
            return _TERMINAL
        return _TERMINAL

    # --- the states' transitions -------------------------------------------------------------

    def _first_token(self) -> int:
        if (
            (self.queue < self.fetched or self._fetch_next())
            and self._next() in _OPENING
            and self._skip_bracketed_text()
            and self.queue - self.history > 3
            and not ((following := self._next()) is not None and following[:1].islower())
        ):
            return _TERMINAL
        if self.queue < self.fetched or self._fetch_next():
            self._move()
            following = self._next()
            if following is not None and (following in _TERMINALS or following == "("):
                return self._move_and_maybe_extract_terminal(_FIRST)
            return _INNER
        return _END

    def _inner_token(self) -> int:
        if self.queue < self.fetched or self._fetch_next():
            # syntok moves on one token a step while the token after it is neither a stop nor
            # an opening bracket, fetching one whenever the queue runs dry: all those steps at
            # once, up to the one before the next such token (``mark``), done below as usual
            mark = self.marks[bisect_right(self.marks, self.queue)]
            if mark - 1 > self.queue:
                self.queue = mark - 1
                self.fetched = max(self.fetched, mark)
            self._move_and_skip_bracketed_text()
            following = self._next()
            if following is not None and (
                following in _TERMINALS or following == "(" or following in _OPENING
            ):
                return self._move_and_maybe_extract_terminal(_INNER)
            return _INNER
        return _END

    def starts(self) -> list[int]:
        """The offset of each sentence's first token (``segment``'s sentences)."""
        out: list[int] = []
        # Begin: the end at once if there is no token, else the first token
        state = _FIRST if self.queue < self.fetched else _END
        while True:
            if state in (_TERMINAL, _END):  # at_sentence: collect the history
                if self.queue > self.history:
                    if self.queue - self.history > 1 or self.values[self.history]:
                        out.append(self.offsets[self.history])
                    self.history = self.queue
                if state == _END:
                    return out
                state = _FIRST if self.queue < self.fetched or self._fetch_next() else _END
            elif state == _FIRST:
                state = self._first_token()
            else:
                state = self._inner_token()


def _single_letter_or_roman_numeral(token: str) -> bool:
    return len(token) == 1 or token in _ROMAN


def sentence_starts(values: list[str], spacings: list[str], offsets: list[int]) -> list[int]:
    """Where syntok's ``segment`` starts each sentence of these tokens."""
    return _Segmenter(values, spacings, offsets).starts()
