"""A write's second thread, writing on its connection and in its transaction
beside the calling thread (an import's batch writer, a bulk's insert beside
its walks), waited for to its end."""

import threading
from collections.abc import Callable


class WriteThread(threading.Thread):
    """A thread writing in the caller's transaction, which must not end under
    it: ``wait`` returns once the thread has ended, through an interrupt
    meanwhile (Ctrl-C; gunicorn's SystemExit at a sync worker's timeout or
    quick shutdown, raised in the thread answering the request), which it
    raises then. ``Thread.join`` alone will not do: interrupted, Python
    3.11's takes the thread for ended and waits no more, and the transaction
    was rolled back under the thread, whose writes went on in autocommit and
    were kept."""

    def __init__(self, target: Callable[[], None], *, name: str) -> None:
        super().__init__(target=target, name=name)
        self.ended = threading.Event()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.ended.set()

    def wait(self) -> None:
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
