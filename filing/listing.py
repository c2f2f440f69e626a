"""Find and page on every list: a search box, a status filter, a date range, sorting, 50 rows a page with
page links, and an Excel export of exactly what is filtered.

A list page says what it offers once, in a :class:`ListSpec`; :class:`FilteredListMixin` reads the query
string through :class:`ListFilterForm` (every value parsed and bounded: a bad value is ignored and said, never
a 500) and applies it to the page's *scoped* queryset (``filing.selectors``), so the export can hold nothing
the page would not show. Exported cells are the list's own (masked) values, escaped against formulas.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filing.exports import safe_cell

PAGE_SIZE = 50
#: The most rows one export holds (a larger selection is cut and says so in its last row).
EXPORT_LIMIT = 20000
MAX_QUERY = 100


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]


@dataclass(frozen=True)
class ListSpec:
    """What a list offers. ``search`` are ``icontains`` lookups; ``search_hook(text) -> Q | None`` adds an
    exact match (e.g. an application number); ``sorts`` maps a key to (label, order_by fields), the default
    first (an unsorted page shows it selected)."""

    search: tuple[str, ...]
    status_choices: list[tuple[str, str]]
    date_field: str
    date_label: str
    sorts: dict[str, tuple[str, tuple[str, ...]]]
    default_sort: str
    columns: list[Column]
    filename: str
    status_field: str = "status"
    search_label: str = _("关键词")
    search_hook: Callable[[str], Q | None] | None = None
    #: Statuses left out unless the user picks them (e.g. cancelled plans).
    hidden_by_default: tuple[str, ...] = field(default_factory=tuple)


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=MAX_QUERY)
    status = forms.ChoiceField(label=_("状态"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, data, spec: ListSpec):
        super().__init__(data)
        self.spec = spec
        self.fields["q"].label = spec.search_label
        self.fields["status"].choices = [("", _("全部状态"))] + list(spec.status_choices)
        self.fields["sort"].choices = [(key, label) for key, (label, _fields) in spec.sorts.items()]
        self.fields["date_from"].label = _("%(what)s自") % {"what": spec.date_label}
        self.fields["date_to"].label = _("%(what)s至") % {"what": spec.date_label}

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def values(self) -> dict:
        """The valid values only (a field in error counts as not given)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


def _day_bounds(field_name: str, day: datetime.date, *, end: bool, is_datetime: bool):
    if not is_datetime:
        return {f"{field_name}__{'lte' if end else 'gte'}": day}
    moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time())
    moment = timezone.make_aware(moment)
    return {f"{field_name}__{'lt' if end else 'gte'}": moment}


def apply(qs: QuerySet, spec: ListSpec, values: dict) -> QuerySet:
    text = (values.get("q") or "").strip()
    if text:
        condition = Q()
        for lookup in spec.search:
            condition |= Q(**{f"{lookup}__icontains": text})
        if spec.search_hook and (extra := spec.search_hook(text)) is not None:
            condition |= extra
        qs = qs.filter(condition)
    status = values.get("status")
    if status:
        qs = qs.filter(**{spec.status_field: status})
    elif spec.hidden_by_default:
        qs = qs.exclude(**{f"{spec.status_field}__in": spec.hidden_by_default})
    is_datetime = qs.model._meta.get_field(spec.date_field).get_internal_type() == "DateTimeField"
    if values.get("date_from"):
        qs = qs.filter(
            **_day_bounds(spec.date_field, values["date_from"], end=False, is_datetime=is_datetime)
        )
    if values.get("date_to"):
        qs = qs.filter(**_day_bounds(spec.date_field, values["date_to"], end=True, is_datetime=is_datetime))
    sort = values.get("sort") or spec.default_sort
    return qs.order_by(*spec.sorts.get(sort, spec.sorts[spec.default_sort])[1], "-pk")


def xlsx_response(qs: QuerySet, spec: ListSpec) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("导出")))
    sheet.append([str(column.header) for column in spec.columns])
    for count, obj in enumerate(qs[: EXPORT_LIMIT + 1].iterator(chunk_size=2000), start=1):
        if count > EXPORT_LIMIT:
            sheet.append([str(_("仅导出前%(n)d行，请缩小筛选范围。") % {"n": EXPORT_LIMIT})])
            break
        sheet.append([_cell(column.value(obj)) for column in spec.columns])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{spec.filename}-{stamp}.xlsx"'
    return response


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return safe_cell(value)


class FilteredListMixin:
    """For a ``ListView`` whose ``get_queryset`` is replaced by ``scoped_queryset`` (what the user may see):
    filters, sorting, 50 a page, and ``?export=xlsx`` of the filtered rows."""

    spec: ListSpec
    paginate_by = PAGE_SIZE

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        self.filter_form = ListFilterForm(self.request.GET, self.spec)
        return apply(self.scoped_queryset(), self.spec, self.filter_form.values())

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return xlsx_response(self.get_queryset(), self.spec)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["filter_form"] = self.filter_form
        context["list_query"] = query.urlencode()
        context["filtered"] = any(
            self.filter_form.values().get(k) for k in ("q", "status", "date_from", "date_to")
        )
        return context
