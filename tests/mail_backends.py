"""E-mail backends for tests: one whose server is always down, one that fails a set number of times first."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")


class FlakyBackend(LocmemBackend):
    """Refuses the first ``failures`` sends (class attribute, set by the test), then delivers to mail.outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise TimeoutError(f"smtp timeout {type(self).calls}")
        return super().send_messages(messages)
