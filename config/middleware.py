"""Login required everywhere except public views and the API, which authenticates itself (token or
session) and answers 401/403 in JSON rather than redirecting to the login page."""

from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptAPIMiddleware(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _api_language(request, supported) -> str | None:
    """An integrating system says which language it wants in ``Accept-Language`` (first supported one)."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        code = code.lower()
        if code in supported:
            return code
        if code.startswith("zh"):
            return "zh-hans"
        if code.split("-")[0] in supported:
            return code.split("-")[0]
    return None


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose English (the language cookie set by /i18n/en/). The
    browser's Accept-Language is deliberately ignored on pages (this is a Shanghai government system);
    the API honours it, since an integrating system has no cookie to choose with."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        supported = dict(settings.LANGUAGES)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in supported and request.path_info.startswith("/api/"):
            chosen = _api_language(request, supported)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override, not activate: the thread's language is restored afterwards, so one English request never
        # leaves English behind for the next piece of work in the same thread (a test, a task, a request).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
