from voters.core import navigation as nav_registry


def navigation(request):
    return {"nav_items": nav_registry.items_for(request)}


def facility_scope(request):
    from voters.core.views import facility_choices

    return facility_choices(request)
