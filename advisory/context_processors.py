from django.conf import settings
from django.http import HttpRequest

from .oversight.navigation import navigation_for


def platform(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "FIRM_NAME": settings.FIRM_NAME,
        "FIRM_CURRENCY": settings.FIRM_CURRENCY,
        "nav_items": navigation_for(request),
        "unread_notifications": unread,
    }
