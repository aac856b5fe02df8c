"""A real SMTP server for the notification tests (aiosmtpd), on a free local port, in a thread.

``mode`` says how it answers each message, and can change while it runs:
"accept" keeps the message, "refuse" answers 451 (try again later), "hang"
says nothing until long after the client's timeout.
"""

import asyncio
import email
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from .processes import free_port

HANG_SECONDS = 5


class Handler:
    def __init__(self):
        self.mode = "accept"
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            return "451 4.3.0 Mailbox busy, try again later"
        if self.mode == "hang":
            await asyncio.sleep(HANG_SECONDS)
            return "451 4.4.2 Too slow"
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]


@contextmanager
def smtp_server(settings, *, timeout: float = 1.0):
    """Start the server and point Django's mail at it (the SMTP backend, a short timeout); yield its handler."""
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield handler
    finally:
        controller.stop()
