from voters.core import navigation as nav_registry
from voters.core.access import current_facility


def navigation(request):
    return {"nav_items": nav_registry.items_for(request)}


def facility_scope(request):
    """The top bar's facility name and, for a user of several, the picker's choices."""
    user = request.user
    if not user.is_authenticated:
        return {}
    facility = current_facility(request)
    choices = user.facilities().only("code", "name").order_by("name") if user.is_regional else ()
    return {"current_facility": facility, "facility_choices": choices}
