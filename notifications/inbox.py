"""The recipient's side of the in-app inbox: marking messages read and the notification preferences."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .catalogue import OPTIONAL_KINDS
from .models import InboxMessage, Preference


def message_mark_read(*, recipient, message: InboxMessage) -> None:
    """Mark one of the recipient's messages read; opening it again keeps the first read time."""
    InboxMessage.objects.filter(pk=message.pk, recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def messages_mark_all_read(*, recipient) -> int:
    return InboxMessage.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user, language: str, muted_kinds: list[str]) -> Preference:
    """Language of the user's e-mails and the optional kinds they mute (legally required ones cannot be)."""
    muted = [kind for kind in muted_kinds if kind in OPTIONAL_KINDS]
    preference, _created = Preference.objects.update_or_create(
        user=user, defaults={"language": language, "muted_kinds": muted}
    )
    return preference
