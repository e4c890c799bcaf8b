"""Help pages: the glossary of the terms and codes the other pages use."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from voters.core import glossary
from voters.core.access import ALL_ROLES, role_required


@require_GET
@role_required(*ALL_ROLES)
def glossary_page(request):
    groups = [
        (title, [(code, glossary.anchor(code), *meaning) for code, meaning in terms.items()])
        for title, terms in (*glossary.GROUPS, glossary.CATEGORY_GROUP, glossary.TINDAKAN_GROUP)
    ]
    return render(request, "voters/glossary.html", {"groups": groups})
