"""A mobile signal between the browser and the live server, that a test can cut.

Playwright's ``set_offline`` does not reach a service worker's own requests
(microsoft/playwright#2311): a page "offline" whose worker still fetches from
the server proves nothing about working offline. So the browser reaches the
live server only through this TCP relay. While it is ``offline`` every
connection is refused at once and open ones are cut, whoever opened them —
page, service worker or the browser itself. ``drop_bulk_answers`` lets that
many ``POST /api/v1/entries/bulk/`` through to the server, which stores them,
and cuts the connection before the answer reaches the browser: a signal lost
halfway through a sync. ``cut_heads`` holds paths (whatever their query) whose
answers are cut after their status line: a signal lost as a file's answer
begins, which the browser reads as "200 OK" with no headers and no body.
``stalled`` holds every request on the way, connected and answered by nothing,
until it is set back: a signal that comes and goes, with no data between.
``delayed`` holds paths (whatever their query) whose requests wait that many seconds
on the way: a slow answer, the others through meanwhile.
"""

import contextlib
import socket
import threading
import time


class Signal:
    """A relay on 127.0.0.1 to ``upstream`` (host, port); ``url`` is its address."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.offline = False
        self.stalled = False
        self.drop_bulk_answers = 0
        self.bulk_requests = 0
        self.bulk_answers_dropped = 0
        self.cut_heads: set[str] = set()
        self.heads_cut = 0
        self.delayed: dict[str, float] = {}
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def go_offline(self) -> None:
        with self._lock:
            self.offline = True
            for sock in list(self._open):
                _close(sock)
            self._open.clear()

    def go_online(self) -> None:
        self.offline = False

    def close(self) -> None:
        self._closed = True
        self.go_offline()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            if self.offline:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, server))
            state = {"drop_answer": False, "cut_head": False}
            threading.Thread(
                target=self._requests, args=(client, server, state), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(server, client, state), daemon=True
            ).start()

    def _requests(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        """Browser to server, one HTTP request at a time (head, then its body)."""
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(buffer) < length:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                if self.offline:
                    return
                if head.startswith(b"POST /api/v1/entries/bulk/ "):
                    with self._lock:
                        self.bulk_requests += 1
                        if self.drop_bulk_answers > 0:
                            self.drop_bulk_answers -= 1
                            state["drop_answer"] = True
                path = head.split(b" ", 2)[1].decode("latin-1") if b" " in head else ""
                if path.partition("?")[0] in self.cut_heads:
                    state["cut_head"] = True
                time.sleep(self.delayed.get(path.partition("?")[0], 0))
                while self.stalled and not self.offline and not self._closed:
                    time.sleep(0.05)
                server.sendall(head + b"\r\n\r\n" + body)
        except OSError:
            return
        finally:
            _close(client)
            _close(server)

    def _answers(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        """Server to browser; an answer to be dropped cuts the connection as it arrives."""
        try:
            while True:
                chunk = server.recv(65536)
                if not chunk or self.offline:
                    return
                if state["drop_answer"]:
                    with self._lock:
                        self.bulk_answers_dropped += 1
                    return
                if state["cut_head"]:
                    # The status line, then nothing (gathered first, in case it is split).
                    while b"\r\n" not in chunk:
                        more = server.recv(65536)
                        if not more:
                            return
                        chunk += more
                    client.sendall(chunk[: chunk.index(b"\r\n") + 2])
                    with self._lock:
                        self.heads_cut += 1
                    return
                client.sendall(chunk)
        except OSError:
            return
        finally:
            _close(client)
            _close(server)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
