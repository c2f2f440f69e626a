"""The application's URLs plus the verification benchmark's floor: a bare lookup view that runs one indexed
``SELECT`` of the same certificate row as ``/verify/t/<token>/``, behind the same middleware."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.urls import path

from config.urls import urlpatterns as application_urls


@login_not_required
def bare_lookup(request, token):
    from filing.models import Certificate

    number = Certificate.objects.filter(verification_token=token).values_list("number", flat=True).first()
    if number is None:
        raise Http404
    return HttpResponse(number, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/lookup/<str:token>/", bare_lookup, name="bench_lookup"), *application_urls]
