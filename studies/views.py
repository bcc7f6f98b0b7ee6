from django.http import Http404


def study_list(request, **kwargs):
    raise Http404("Not built yet")


def study_detail(request, **kwargs):
    raise Http404("Not built yet")


def study_bibtex(request, **kwargs):
    raise Http404("Not built yet")


def study_ris(request, **kwargs):
    raise Http404("Not built yet")
