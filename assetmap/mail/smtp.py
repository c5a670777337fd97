"""Talking SMTP (stdlib smtplib): the server from `ASSETMAP_SMTP_URL`, one message as an `EmailMessage`, and what a
failure means for the message: try again later, give up now, or the server itself cannot be used.

Only the mail worker uses this module; everything else queues mail through `mail/outbox.py`.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

from ..config import Settings

TIMEOUT = 30   # seconds for any one SMTP exchange: a stuck server must not hold a batch (and its lease) for ever


@dataclass(frozen=True)
class Server:
    implicit_tls: bool
    host: str
    port: int
    user: str | None
    password: str | None

    def __str__(self) -> str:   # for logs and the admin page: never the credentials
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Outgoing:
    """One outbox row, as much of it as a message needs."""
    id: int
    to_address: str
    subject: str
    body: str
    created_at: datetime
    attempts: int = 0


class Refused(Exception):
    """The server would not take this message. `permanent`: a 5xx, so sending it again cannot help."""

    def __init__(self, reason: str, permanent: bool):
        super().__init__(reason)
        self.permanent = permanent


class Unavailable(Exception):
    """The server cannot be reached or used (refused connection, TLS, login, a dropped line): no message's fault."""


def server(settings: Settings) -> Server | None:
    """The configured server; None when mail is off. `Settings` has checked the URL's scheme and host."""
    if not settings.smtp_url:
        return None
    parts = urlsplit(settings.smtp_url)
    implicit_tls = parts.scheme == "smtps"
    return Server(implicit_tls, parts.hostname, parts.port or (465 if implicit_tls else 25),
                  unquote(parts.username) if parts.username else None,
                  unquote(parts.password) if parts.password else None)


def message(settings: Settings, out: Outgoing) -> EmailMessage:
    """The message for one outbox row: plain text in UTF-8, with a Message-ID and a Date.

    The Message-ID is made from the row, not at random, so a message sent twice (delivery is at least once) carries
    the same id both times and mail programs can tell it is one message."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = out.to_address
    msg["Subject"] = " ".join(out.subject.split())   # one line: a header cannot hold a line break
    msg["Date"] = format_datetime(out.created_at)
    msg["Message-ID"] = f"<outbox.{out.id}.{int(out.created_at.timestamp() * 1e6)}@{_domain(settings)}>"
    msg["Auto-Submitted"] = "auto-generated"   # RFC 3834: out-of-office replies should not answer it
    msg.set_content(out.body, charset="utf-8")
    return msg


def _domain(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or urlsplit(settings.public_url or "").hostname or "localhost"


class Connection:
    """An SMTP session, greeted and (where possible) encrypted and logged in: `with Connection(server) as c:`."""

    def __init__(self, target: Server):
        self.target = target
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self if self.smtp is not None else self.open()

    def open(self) -> Connection:
        """Connect, greet, STARTTLS when offered, log in; raises `Unavailable` saying which step failed."""
        context = ssl.create_default_context()
        try:
            if self.target.implicit_tls:
                self.smtp = smtplib.SMTP_SSL(self.target.host, self.target.port, timeout=TIMEOUT, context=context)
            else:
                self.smtp = smtplib.SMTP(self.target.host, self.target.port, timeout=TIMEOUT)
            self.smtp.ehlo()
            encrypted = self.target.implicit_tls
            if not encrypted and self.smtp.has_extn("starttls"):
                self.smtp.starttls(context=context)
                self.smtp.ehlo()
                encrypted = True
            if self.target.user:
                if not encrypted and not _loopback(self.target.host):
                    raise Unavailable(f"{self.target} does not offer STARTTLS: the password is not sent unencrypted "
                                      "(use smtps://, or a server that offers STARTTLS)")
                self.smtp.login(self.target.user, self.target.password or "")
        except Unavailable:
            self._close()
            raise
        except OSError as exc:   # smtplib's exceptions are OSErrors
            self._close()
            raise Unavailable(f"{self.target}: {describe(exc)}") from None
        return self

    def send(self, msg: EmailMessage) -> None:
        """Send one message; raises `Refused` (this message) or `Unavailable` (the session is no longer usable)."""
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise Refused(_reply(code, reply, "recipient refused"), permanent=code >= 500) from None
        except smtplib.SMTPDataError as exc:
            raise Refused(_reply(exc.smtp_code, exc.smtp_error, "message refused"), permanent=exc.smtp_code >= 500) \
                from None
        except smtplib.SMTPSenderRefused as exc:
            # The From address is refused for every message: a setting to fix, then the messages can go.
            raise Refused(_reply(exc.smtp_code, exc.smtp_error, "sender refused"), permanent=False) from None
        except (smtplib.SMTPNotSupportedError, ValueError) as exc:   # e.g. a non-ASCII address it cannot take
            raise Refused(describe(exc), permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:   # "closing the channel": the session is over, not this message's fault
                raise Unavailable(f"{self.target}: {describe(exc)}") from None
            raise Refused(_reply(exc.smtp_code, exc.smtp_error, "refused"), permanent=False) from None
        except OSError as exc:   # SMTPServerDisconnected and every other SMTPException are OSErrors too
            raise Unavailable(f"{self.target}: {describe(exc)}") from None

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except OSError:
                pass
        self._close()

    def _close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


def describe(exc: BaseException) -> str:
    """A failure in words for `last_error` and the logs. Built from the server's reply or the socket error, which do
    not contain the URL's password."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error, type(exc).__name__)
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, Refused | Unavailable) else f"{type(exc).__name__}: {text}"


def _reply(code: int, reply: bytes | str, what: str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{what}: {code} {' '.join(text.split())}"[:500]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
