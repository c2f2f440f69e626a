def unread(request):
    """The unread in-app message count for the page header."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    from .models import InboxMessage

    return {"unread_count": InboxMessage.objects.filter(recipient=user, read_at__isnull=True).count()}
