"""Python's cyclic garbage collector run rarely while a write makes many
objects that live until its end: an import, a bulk of entries."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# For the time of such a write, the collector looks at the youngest objects
# after this many allocations (700 by default).
COLLECT_AFTER = 100_000
_collector_lock = threading.Lock()
_writes_running = 0
_thresholds_before: tuple[int, ...] = gc.get_threshold()


@contextmanager
def collected_rarely() -> Iterator[None]:
    """Python's cyclic garbage collector run rarely for the time of a large
    write (an import, ``entries_create``'s batch), and as before after it.
    Such a write makes hundreds of thousands of objects that live until its
    end (its rows, models, walks), and at the default thresholds the
    collector went through them again and again: a quarter of an import's
    CPU (20,000 rows: 0.8 s in 1,057 collections, 7 of them of everything), a
    tenth of a bulk of 1,000 entries' (15–20 ms). They are seldom garbage in
    cycles (a 20,000-row import left none), so the memory a write takes stays
    the same. Nested (an import's batches), the outermost one decides."""
    global _writes_running, _thresholds_before
    # The thresholds are the process's: with such writes at once in its
    # threads, the first sets them and the last puts back what was there before it.
    with _collector_lock:
        if _writes_running == 0:
            _thresholds_before = gc.get_threshold()
            gc.set_threshold(max(_thresholds_before[0], COLLECT_AFTER), *_thresholds_before[1:])
        _writes_running += 1
    try:
        yield
    finally:
        with _collector_lock:
            _writes_running -= 1
            if _writes_running == 0:
                gc.set_threshold(*_thresholds_before)
