from voters.core import navigation as nav_registry


def navigation(request):
    return {"nav_items": nav_registry.items_for(request)}
