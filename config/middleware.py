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


class SessionTimeoutMiddleware:
    """An idle session ends after ``SESSION_IDLE_SECONDS``; any session ends ``SESSION_COOKIE_AGE`` after it
    began, however active (Django's own expiry moves forward whenever the session is saved, so the start is
    kept in the session and checked here). The last activity is recorded at most once a minute, so an active
    user's requests do not each write the session."""

    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings
        from django.contrib.auth import logout

        from filing.services.security import SESSION_LAST_ACTIVITY, SESSION_STARTED

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = int(session.setdefault(SESSION_STARTED, now))
            last = int(session.get(SESSION_LAST_ACTIVITY, now))
            if now - last > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif SESSION_LAST_ACTIVITY not in session or now - last >= self.RESOLUTION:
                session[SESSION_LAST_ACTIVITY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """A user who needs a second factor and has not passed it this session sees only the second-factor
    page (verify, or enrol first) and can log out; everything else waits. The API is not affected here: its
    token endpoint asks for the code itself."""

    ALLOWED_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.ALLOWED_PREFIXES)
            and not user.is_verified()
            and self.required(request, user)
        ):
            return redirect(f"/accounts/otp/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def required(self, request, user) -> bool:
        """Decided at login and kept in the session (a session from before this rule is decided now)."""
        from filing.services import second_factor

        if second_factor.SESSION_KEY not in request.session:
            request.session[second_factor.SESSION_KEY] = second_factor.required_for(user)
        return request.session[second_factor.SESSION_KEY]
