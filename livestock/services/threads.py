"""A write's second thread, writing on its connection and in its transaction
beside the calling thread (an import's batch writer, a bulk's insert beside
its walks), waited for to its end."""

import contextvars
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

from livestock.audit import attribution


class WriteThread(threading.Thread):
    """``write`` run in a second thread on the calling thread's connection, in
    its transaction, as the calling thread would run it: in its language and
    time zone, with its context variables (the rollups' blocks) and its
    attribution (who, and through what, for the history rows), all of which
    are the calling thread's own. What ``write`` raises is kept as ``error``,
    for the calling thread to raise.

    It must not end under the transaction: ``wait`` returns once the thread
    has ended, through an interrupt meanwhile (Ctrl-C; gunicorn's SystemExit
    at a sync worker's timeout or quick shutdown, raised in the thread
    answering the request), which it raises then. ``Thread.join`` alone will
    not do: interrupted, Python 3.11's takes the thread for ended and waits
    no more, and the transaction was rolled back under the thread, whose
    writes went on in autocommit and were kept.

    The calling thread must send no statement on the connection until the
    thread has ended (``wait``), or make its statements wait for it (an
    execute wrapper, as an import's ``BatchWriter``)."""

    def __init__(self, write: Callable[[], None], *, name: str) -> None:
        super().__init__(name=name)
        self.write = write
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.starting = False  # ``wait`` has nothing to wait for until ``start``
        self.database = connections[DEFAULT_DB_ALIAS]
        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone()
        self.acting = attribution.carried()
        self.context = contextvars.copy_context()

    def start(self) -> None:
        """Start it. The connection's sharing is given back by the thread as
        it ends, or here if it could not be made (an error of
        ``Thread.start`` before it ran: it is taken for ended). An interrupt
        out of ``Thread.start``, which waits for the new thread to say it
        started, leaves the thread running, to be waited for as any: it was
        taken for never started, its sharing given back twice, and ``wait``
        waited for ever for a thread that had ended in that error."""
        self.starting = True
        self.database.inc_thread_sharing()
        try:
            super().start()
        except Exception:
            self.database.dec_thread_sharing()
            self.ended.set()
            raise

    def run(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self.database
        try:
            self.context.run(self.as_the_caller)
        except BaseException as error:  # raised by the calling thread  # noqa: BLE001
            self.error = error
        finally:
            del connections[DEFAULT_DB_ALIAS]
            self.database.dec_thread_sharing()
            self.ended.set()

    def as_the_caller(self) -> None:
        # Inside the caller's context: Django's language and time zone are
        # context variables too (asgiref's Local), set here for this thread.
        with translation.override(self.language), timezone.override(self.zone), self.acting():
            self.write()

    def wait(self) -> None:
        if not self.starting:
            return
        interrupted = None
        while True:
            try:
                self.ended.wait()
                self.join()  # its last steps
            except BaseException as error:  # noqa: BLE001 (raised once it has ended)
                interrupted = interrupted or error
            else:
                break
        if interrupted is not None:
            raise interrupted


# The interpreter's switch interval while a write's thread works beside a
# busy calling thread (an import's batches); Python's default is 5 ms.
SWITCH_INTERVAL = 0.0005
_switch_lock = threading.Lock()
_switching = 0
_interval_before = sys.getswitchinterval()


@contextmanager
def switched_often() -> Iterator[None]:
    """The GIL handed over after ``SWITCH_INTERVAL`` for the time of the block,
    and as before after it: a write thread's every round trip to the server
    ends waiting for the GIL, which a calling thread busy in Python gives up
    only at the switch interval. The interval is the process's, so with such
    blocks at once in its threads (imports), the first sets it and the last
    puts back what was there before it."""
    global _switching, _interval_before
    with _switch_lock:
        if _switching == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, SWITCH_INTERVAL))
        _switching += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switching -= 1
            if _switching == 0:
                sys.setswitchinterval(_interval_before)
