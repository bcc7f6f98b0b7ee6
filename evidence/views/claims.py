from django.http import Http404


def claim_list(request, **kwargs):
    raise Http404("Not built yet")


def claim_list_csv(request, **kwargs):
    raise Http404("Not built yet")
