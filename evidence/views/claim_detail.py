from django.http import Http404


def claim_detail(request, **kwargs):
    raise Http404("Not built yet")
