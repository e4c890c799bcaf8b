"""Navigation entries by role. Feature modules add theirs with add()."""

from django.urls import NoReverseMatch, reverse

NAV = []


def add(url_name, label, roles, order=100):
    NAV.append({"url_name": url_name, "label": label, "roles": tuple(roles), "order": order})
    NAV.sort(key=lambda item: item["order"])


def items_for(request):
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    for entry in NAV:
        if not (user.is_superuser or user.role == "admin" or user.role in entry["roles"]):
            continue
        try:
            url = reverse(entry["url_name"])
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": entry["label"], "active": False})
    # The entry with the longest URL that the current path starts with is the active one.
    matches = [i for i in items if request.path == i["url"]
               or (i["url"] != "/" and request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
