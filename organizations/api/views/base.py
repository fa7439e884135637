"""The base of every org-scoped view: credentials, the scope, and cursor pagination."""

from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from accounts.authentication import AccessTokenAuthentication

from ...authentication import ApiKeyAuthentication
from ...scoping import resolve_scope


class Pages(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("created_at", "id")


class OrgView(APIView):
    """A view under /organizations/{organization_id}/; `self.scope()` resolves the tenant or 404s."""

    authentication_classes = [ApiKeyAuthentication, AccessTokenAuthentication]

    def scope(self):
        return resolve_scope(self.request, self.kwargs["organization_id"])

    def page(self, queryset, serializer_class=None, ordering=None, render=None):
        """Return one cursor page of `queryset`, rendered by `serializer_class` or by `render(rows)`."""
        paginator = Pages()
        if ordering:
            paginator.ordering = ordering
        rows = paginator.paginate_queryset(queryset, self.request, view=self)
        data = render(rows) if render else serializer_class(rows, many=True).data
        return paginator.get_paginated_response(data)
