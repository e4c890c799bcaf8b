"""Home-page panels per role. Each feature module registers a function that returns panels.

A panel is a dict: {"title", "items": [(label, value, url or None)], "url", "link_label"}.
"""

PANEL_PROVIDERS = []


def register_panel(func):
    PANEL_PROVIDERS.append(func)
    return func


def home_panels(request):
    panels = []
    for provider in PANEL_PROVIDERS:
        panels.extend(provider(request) or [])
    return panels
