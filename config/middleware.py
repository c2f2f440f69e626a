"""Login required everywhere except public views and the API, which authenticates itself (token or
session) and answers 401/403 in JSON rather than redirecting to the login page."""

from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptAPIMiddleware(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
