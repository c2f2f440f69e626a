"""One-time codes sent to a contact (an e-mail address or a mobile number) to prove that the person in front
of a public form can receive messages there: an objector to a publicity, and later a certificate holder.

The code is stored only as a keyed hash; the contact is indexed by its keyed hash (so limits per person
work) and shown masked; in clear it is only in the payload that the verified form needs (an objection
keeps its objector's contact for the authority's reply). A challenge is used once, expires, and locks after
a few wrong codes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ContactChallenge(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待验证")
        USED = "used", _("已验证")
        LOCKED = "locked", _("已锁定（错误次数过多）")

    purpose = models.CharField(_("用途"), max_length=80, db_index=True)
    contact_index = models.CharField(max_length=64, db_index=True)
    contact_masked = models.CharField(_("联系方式"), max_length=80)
    code_hash = models.CharField(max_length=64)
    #: What the verified form will create (e.g. the objection's name and text); no ID numbers.
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    attempts = models.PositiveSmallIntegerField(default=0)
    state = FSMField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.contact_masked} {self.get_state_display()}"

    @transition(field=state, source=State.PENDING, target=State.USED)
    def use(self, at) -> None:
        self.used_at = at

    @transition(field=state, source=State.PENDING, target=State.LOCKED)
    def lock(self) -> None:
        """Too many wrong codes: this challenge can no longer be used (ask for a new code)."""
