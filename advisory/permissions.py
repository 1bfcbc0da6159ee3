"""DRF permission classes over the `rules` layer (kept apart from api.py: DRF imports these
while it is itself loading)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .rules import can


class IsWorkspaceOrPortalUser(permissions.BasePermission):
    """Default: signed in, active, and with a role. Endpoints narrow it further."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role)


class IsWorkspaceUser(permissions.BasePermission):
    message = _("This endpoint is for staff of the firm.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_workspace_user)


class IsClientUser(permissions.BasePermission):
    message = "This endpoint is for clients."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_client)


class RulesPermission(permissions.BasePermission):
    """Asks the same `rules` predicates the web views use.

    A view sets `permission_map = {"list": "app.view_x", "retrieve": "app.view_x", "create": ...}`;
    list-level permissions are checked with no object, object permissions with the object.
    Querysets are scoped by selectors, so an object outside the user's scope is a 404 first.
    """

    def _perm(self, view) -> str | None:
        mapping = getattr(view, "permission_map", {})
        return mapping.get(getattr(view, "action", None) or view.request.method.lower())

    def has_permission(self, request, view) -> bool:
        # Never anonymous, whatever the view lists beside it: an action outside the map would
        # otherwise reach the selectors with AnonymousUser.
        if not IsWorkspaceOrPortalUser().has_permission(request, view):
            return False
        perm = self._perm(view)
        if perm is None:
            return True
        if getattr(view, "action", None) in {"list", "create"} or not getattr(view, "detail", False):
            return can(request.user, perm)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        perm = self._perm(view)
        return True if perm is None else can(request.user, perm, obj)
