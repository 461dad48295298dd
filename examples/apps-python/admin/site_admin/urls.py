from django.http import HttpResponse
from django.urls import re_path


def hello(request):
    return HttpResponse(
        f"hello from admin at {request.path}\n", content_type="text/plain; charset=utf-8"
    )


urlpatterns = [
    re_path(r"^.*$", hello),
]
