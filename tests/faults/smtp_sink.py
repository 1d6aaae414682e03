"""A mail server on loopback for the worker-kill test, and the mail backend that talks to it.

`Sink` speaks enough SMTP for Django's SMTP backend, keeps the Message-ID of every message
it accepted (its "mail log"), and can be told to stop answering at one point of one
conversation, so the worker is known to be mid-delivery when it is killed:

- "mail": the sender's MAIL FROM of a message goes unanswered: nothing was accepted;
- "quit": the message was accepted (250 after DATA) and the sender's QUIT goes unanswered:
  the mail has left, and the worker has not recorded it yet.

`SinkBackend` is Django's SMTP backend pointed at the sink's port (MOTCUA_TEST_SMTP_PORT);
the instance's worker loads it through MOTCUA_EMAIL_BACKEND.
"""

from __future__ import annotations

import os
import re
import socketserver
import threading
from collections import Counter

from django.core.mail.backends import smtp

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class SinkBackend(smtp.EmailBackend):
    def __init__(self, **kwargs):
        kwargs.update(host="127.0.0.1", port=int(os.environ["MOTCUA_TEST_SMTP_PORT"]))
        kwargs.update(use_tls=False, use_ssl=False, username="", password="")
        super().__init__(**kwargs)


class Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.reached: Counter[str] = Counter()
        self.stall_point = ""
        self.stall_at = 0
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _Conversation)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> Counter[str]:
        with self.lock:
            return Counter(self.accepted)

    def stall(self, point: str, *, after: int) -> None:
        """Stop answering the `after`-th conversation from now that reaches `point`."""
        with self.lock:
            self.stall_point = point
            self.stall_at = self.reached[point] + after
            self.stalled.clear()
            self.release.clear()

    def _reach(self, point: str) -> bool:
        """False when this conversation is the one to hang: it waits until released."""
        with self.lock:
            self.reached[point] += 1
            hang = point == self.stall_point and self.reached[point] == self.stall_at
        if hang:
            self.stalled.set()
            self.release.wait(timeout=120)
        return not hang

    def _accept(self, data: bytes) -> None:
        found = MESSAGE_ID.search(data)
        with self.lock:
            self.accepted.append(found.group(1).decode() if found else "")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    sink: Sink


class _Conversation(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        sink = self.server.sink
        self.reply(b"220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply(b"250 sink")
            elif verb == b"MAIL":
                if not sink._reach("mail"):
                    return
                self.reply(b"250 OK")
            elif verb == b"RCPT":
                self.reply(b"250 OK")
            elif verb == b"DATA":
                self.reply(b"354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                # Kept before the answer, as a mail server queues a message before its 250.
                sink._accept(data)
                self.reply(b"250 queued")
            elif verb == b"QUIT":
                if not sink._reach("quit"):
                    return
                self.reply(b"221 bye")
                return
            else:  # RSET, NOOP
                self.reply(b"250 OK")

    def reply(self, text: bytes) -> None:
        self.wfile.write(text + b"\r\n")
        self.wfile.flush()
