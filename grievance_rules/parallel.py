"""Run work on chunks of records in N processes, results in input order, memory flat.

The command line's ``--jobs N``: records are read in chunks, each chunk goes to a worker
process, and at most ``2 * N`` chunks are in flight, so a huge input never piles up in memory.
Results come back in the order the chunks were read. Workers load the policy themselves (by
the id or path the user gave) in their initializer, and send back plain JSON-ready data, so
nothing but records and results crosses processes. With ``jobs == 1`` the same functions run
in this process, so the output of ``--jobs 1`` and ``--jobs N`` is the same by construction.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["CHUNK", "chunked", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 1000
"""Records per chunk sent to a worker: large enough that the cost of sending is small, small
enough that 2 chunks per worker in flight keep memory low."""


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), lazily."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def ordered_map(
    work: Callable[[list[Any]], R],
    chunks: Iterable[list[Any]],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
) -> Iterator[R]:
    """``work(chunk)`` for every chunk, in input order, in ``jobs`` processes (here when 1).

    ``work`` and ``initializer`` must be module-level functions (they are sent by name).
    """
    if jobs <= 1:
        initializer(*initargs)
        for chunk in chunks:
            yield work(chunk)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        pending: deque[Future[R]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(work, chunk))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
