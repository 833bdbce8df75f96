"""The site's URLs plus /-/ping/: the smallest Django view, through the same middleware, as the load test's anchor."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from cchc.urls import urlpatterns as site


@login_not_required
def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("-/ping/", ping), *site]
