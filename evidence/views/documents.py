from django.http import Http404


def document_detail(request, **kwargs):
    raise Http404("Not built yet")


def evidence_map(request, **kwargs):
    raise Http404("Not built yet")


def home(request, **kwargs):
    raise Http404("Not built yet")
