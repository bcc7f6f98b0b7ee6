from django.http import Http404


def search(request, **kwargs):
    raise Http404("Not built yet")
