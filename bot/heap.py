"""Giving freed memory back to the system after a knowledge base is built or dropped.

A build frees about as much as it keeps (parsed text, per-sentence temporaries, the scorer's
sort keys). glibc's malloc keeps freed memory for reuse and returns it to the system only from
the top of its heap, so without this the bot would stay at the resident size of its largest
build for as long as it runs. ``malloc_trim`` returns every free page; ctypes calls it without
the GIL, so the event loop is not held up meanwhile.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def return_free_memory() -> bool:
    """Return the C heap's free pages to the system; whether this platform could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
