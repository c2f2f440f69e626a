"""The official working-day calendar's override table.

chinese-calendar knows the State Council's holiday schedule (including make-up workdays, 调休) for the years
it was released with. For a later year, an administrator enters that year's published schedule here: a
``CalendarYear`` row says the schedule is complete, ``CalendarOverride`` rows list the holidays that fall on
weekdays and the weekend days that are workdays. An override also wins over the package for a known year
(a late correction). A year known to neither is an error, never a guess.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(
        _("依据"), max_length=200, help_text=_("国务院办公厅关于该年部分节假日安排的通知")
    )

    class Meta:
        verbose_name = _("工作日历年份")
        verbose_name_plural = _("工作日历年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarOverride(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=60, help_text=_("如：国庆节、国庆节调休上班"))

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("工作日") if self.is_working_day else _("休息日")
        return f"{self.date} {kind} {self.name}"
