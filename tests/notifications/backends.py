"""An e-mail backend whose SMTP server refuses every message (counts the attempts)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingSMTPBackend(BaseEmailBackend):
    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowSMTPBackend(BaseEmailBackend):
    """An SMTP server that takes its time: blocks until the test releases it."""

    started = None  # threading.Event, set by the test
    release = None
    sent = 0

    def send_messages(self, email_messages):
        type(self).sent += 1
        type(self).started.set()
        assert type(self).release.wait(timeout=30), "the test never released the SMTP server"
        return len(email_messages)
