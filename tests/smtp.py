"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent: for the mail tests and the browser's."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """The server's handler: the messages it accepted, parsed; `refuse` answers every RCPT with that reply while set,
    `replies` answers the next RCPTs one each (then accepts); `delay` slows every DATA down."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None
        self.replies: list[str] = []
        self.delay = 0.0
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.replies:
            return self.replies.pop(0)
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self._arrived:
            self.messages.append(msg)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float = 10) -> list:
        """The messages, once at least `count` have arrived; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{count} message(s) expected within {seconds} s, {len(self.messages)} arrived")
                self._arrived.wait(left)
            return list(self.messages)


class SmtpServer:
    """aiosmtpd's Controller on 127.0.0.1 and a free port; `stop()` and `start()` take it away and bring it back."""

    def __init__(self, port: int, **options):
        self.inbox = Inbox()
        self.port = port
        self.options = options
        self.url = f"smtp://127.0.0.1:{port}"
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def running_smtp(port: int):
    """A started SmtpServer on `port`, stopped afterwards."""
    server = SmtpServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
