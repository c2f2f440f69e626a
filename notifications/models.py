"""The transactional outbox and the in-app inbox.

An ``OutboxEvent`` and its ``Delivery`` rows are written in the same transaction as the business change, so
a notification exists if and only if the change committed. Delivery is at-least-once: a Celery task sends
pending deliveries after commit, a periodic sweep re-dispatches anything left pending, failures back off
exponentially and end in the ``dead`` state. In-app messages are keyed by their delivery, so a delivery
repeated after a crash is still shown once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    INAPP = "inapp", _("站内消息")


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("事件"), max_length=40, db_index=True)
    # Identifiers only (no personal data): templates look the objects up when rendering.
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通知事件")
        verbose_name_plural = _("通知事件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("发送失败（已停止重试）")
    MUTED = "muted", _("用户已屏蔽")


class Delivery(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "channel"], name="uniq_delivery_per_event")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event.kind} → {self.recipient} ({self.channel}, {self.state})"


class InboxMessage(models.Model):
    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="message")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread_idx")]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A user's language for e-mail and the optional kinds they muted (legally required ones cannot be)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(_("通知语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    muted_kinds = models.JSONField(_("屏蔽的通知"), default=list, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return f"{self.user}"
