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
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]


@dataclass(frozen=True)
class ChoiceFilter:
    """A further select (e.g. a task's kind): ``field`` must equal the chosen value. ``choices`` may be a
    callable, read when the form is built (for choices known only once the apps are ready); None makes it a
    short text box matched exactly (e.g. an object's number)."""

    name: str
    label: str
    field: str
    choices: list[tuple[str, str]] | Callable[[], list[tuple[str, str]]] | None
    empty_label: str = _("全部")


@dataclass(frozen=True)
class DateRange:
    """A further date range (``<name>_from`` / ``<name>_to``) on ``field``, a column or an annotation."""

    name: str
    label: str
    field: str


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
    status_label: str = _("状态")
    status_empty_label: str = _("全部状态")
    filters: tuple[ChoiceFilter, ...] = ()
    date_ranges: tuple[DateRange, ...] = ()
    #: Called with each chunk of exported rows before they are written (to read related rows at once).
    prepare: Callable[[list], None] | None = None

    def filter_names(self) -> tuple[str, ...]:
        """The query parameters that narrow the list (a page with any of them says it is filtered)."""
        names = ["q", "status", "date_from", "date_to"]
        names += [f.name for f in self.filters]
        for extra in self.date_ranges:
            names += [f"{extra.name}_from", f"{extra.name}_to"]
        return tuple(names)


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
        self.fields["status"].label = spec.status_label
        self.fields["status"].choices = [("", spec.status_empty_label)] + list(spec.status_choices)
        self.fields["sort"].choices = [(key, label) for key, (label, _fields) in spec.sorts.items()]
        self.fields["date_from"].label = _("%(what)s自") % {"what": spec.date_label}
        self.fields["date_to"].label = _("%(what)s至") % {"what": spec.date_label}
        sort = self.fields.pop("sort")
        for extra in spec.filters:
            if extra.choices is None:
                self.fields[extra.name] = forms.CharField(label=extra.label, required=False, max_length=64)
                continue
            choices = extra.choices() if callable(extra.choices) else extra.choices
            self.fields[extra.name] = forms.ChoiceField(
                label=extra.label, required=False, choices=[("", extra.empty_label)] + list(choices)
            )
        for extra in spec.date_ranges:
            for suffix, text in (("from", _("%(what)s自")), ("to", _("%(what)s至"))):
                self.fields[f"{extra.name}_{suffix}"] = forms.DateField(
                    label=text % {"what": extra.label},
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
        self.fields["sort"] = sort  # sorting stays the last control

    def clean(self):
        data = super().clean()
        ranges = [("date_from", "date_to")]
        ranges += [(f"{extra.name}_from", f"{extra.name}_to") for extra in self.spec.date_ranges]
        for start_name, end_name in ranges:
            start, end = data.get(start_name), data.get(end_name)
            if start and end and start > end:
                self.add_error(end_name, _("截止日期不能早于起始日期。"))
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


def _is_datetime(qs: QuerySet, field_name: str) -> bool:
    if field_name in qs.query.annotations:
        output = qs.query.annotations[field_name].output_field
    else:
        output = qs.model._meta.get_field(field_name)
    return output.get_internal_type() == "DateTimeField"


def _date_range(qs: QuerySet, field_name: str, start, end) -> QuerySet:
    is_datetime = _is_datetime(qs, field_name)
    if start:
        qs = qs.filter(**_day_bounds(field_name, start, end=False, is_datetime=is_datetime))
    if end:
        qs = qs.filter(**_day_bounds(field_name, end, end=True, is_datetime=is_datetime))
    return qs


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
    for extra in spec.filters:
        if value := str(values.get(extra.name) or "").strip():
            qs = qs.filter(**{extra.field: value})
    qs = _date_range(qs, spec.date_field, values.get("date_from"), values.get("date_to"))
    for extra in spec.date_ranges:
        qs = _date_range(qs, extra.field, values.get(f"{extra.name}_from"), values.get(f"{extra.name}_to"))
    sort = values.get("sort") or spec.default_sort
    return qs.order_by(*spec.sorts.get(sort, spec.sorts[spec.default_sort])[1], "-pk")


def xlsx_response(qs: QuerySet, spec: ListSpec) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("导出")))
    sheet.append([str(column.header) for column in spec.columns])
    for chunk in _chunks(qs[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK), spec):
        for obj in chunk:
            sheet.append([_cell(column.value(obj)) for column in spec.columns])
    if qs[EXPORT_LIMIT : EXPORT_LIMIT + 1].exists():
        sheet.append([str(_("仅导出前%(n)d行，请缩小筛选范围。") % {"n": EXPORT_LIMIT})])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{spec.filename}-{stamp}.xlsx"'
    return response


def _chunks(rows, spec: ListSpec):
    chunk = []
    for obj in rows:
        chunk.append(obj)
        if len(chunk) == EXPORT_CHUNK:
            yield _prepared(chunk, spec)
            chunk = []
    if chunk:
        yield _prepared(chunk, spec)


def _prepared(chunk: list, spec: ListSpec) -> list:
    if spec.prepare is not None:
        spec.prepare(chunk)
    return chunk


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
        context["filtered"] = any(self.filter_form.values().get(k) for k in self.spec.filter_names())
        return context

    def paginate_queryset(self, queryset, page_size):
        """A page number past the end (or not a number) shows the nearest page, never an error page."""
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()
