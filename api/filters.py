"""List filters that refuse what the schema does not allow: a typed filter sent empty (``?level=``), a
boolean that is neither true nor false (``?active=null``), a fraction for a whole number (``?level=0.5``)
is a 400 naming it, never silently "no filter" — the same rule as the inputs (``StrictInput``)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django_filters import rest_framework as drf_filters
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

BOOLEAN_VALUES = {"true", "false", "1", "0"}


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (django-filter's default for integer columns takes decimals)."""

    field_class = forms.IntegerField


_INTEGER_COLUMNS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


class StrictFilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        **{column: {"filter_class": IntegerFilter} for column in _INTEGER_COLUMNS},
    }

    def _sent(self, name: str) -> list[str]:
        if name not in self.data:
            return []
        return self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            for value in self._sent(name):
                text = str(value).strip()
                if text == "" and not isinstance(filter_, django_filters.CharFilter):
                    self.form.add_error(name, _("请填写有效的值。"))
                elif isinstance(filter_, django_filters.BooleanFilter) and text.lower() not in BOOLEAN_VALUES:
                    self.form.add_error(name, _("请填写 true 或 false。"))
        return valid and not self.form.errors


class StrictFilterBackend(drf_filters.DjangoFilterBackend):
    """The default filter backend: lists declared with ``filterset_fields`` get a ``StrictFilterSet``."""

    filterset_base = StrictFilterSet


class StrictPagination(PageNumberPagination):
    """``?page=`` must be one whole number ≥ 1 when sent (a list, text or an empty value is a 400)."""

    def paginate_queryset(self, queryset, request, view=None):
        sent = request.query_params.getlist(self.page_query_param)
        if sent and (len(sent) > 1 or not sent[0].isdigit() or int(sent[0]) < 1 or len(sent[0]) > 9):
            raise exceptions.ValidationError({self.page_query_param: [_("页码应为正整数。")]})
        return super().paginate_queryset(queryset, request, view)
