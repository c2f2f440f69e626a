"""The event feed: what the outbox told the caller, in order, so that a college system learns of a return,
a filing or a certificate without polling every object. Each event is one the caller was notified of (its
scope is the notification's recipients); its payload holds identifiers and public facts only."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS
from filing.errors import Invalid
from notifications.models import Channel, Delivery

FEED_VERSION = 1
MAX_PAGE = 500


def _bounded(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= maximum:
        message = _("须为0至%(max)d之间的整数。") % {"max": maximum}
        raise Invalid(message, errors={name: [message]})
    return value


class EventFeed(APIView):
    """``GET /api/v1/events/?after=<id>&limit=<n>``: the caller's events with an id greater than ``after``,
    oldest first; keep the last ``id`` (also in ``next``) and ask again with ``after=`` it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="the last event id already read (0: from the start)"),
            OpenApiParameter(
                "limit", int, description=f"at most this many events (default 100, max {MAX_PAGE})"
            ),
        ],
        responses={200: s.EventPageSerializer, **ERRORS},
    )
    def get(self, request):
        after = _bounded(request.query_params, "after", 0, 2**63 - 1)
        limit = _bounded(request.query_params, "limit", 100, MAX_PAGE) or 100
        rows = list(
            Delivery.objects.filter(recipient=request.user, channel=Channel.INAPP, pk__gt=after)
            .select_related("event")
            .order_by("pk")[: limit + 1]
        )
        more = len(rows) > limit
        rows = rows[:limit]
        events = [
            {
                "id": row.pk,
                "event": str(row.event_id),
                "type": row.event.kind,
                "version": FEED_VERSION,
                "created_at": row.event.created_at,
                "payload": {k: v for k, v in row.event.payload.items() if k != "link"},
                "link": row.event.payload.get("link", ""),
            }
            for row in rows
        ]
        body = {"events": events, "next": rows[-1].pk if rows else after, "has_more": more}
        return Response(s.EventPageSerializer(body).data)
