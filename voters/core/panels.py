"""Home-page panels per role: the functions that make them, declared here in the order shown.

A panel is a dict: {"title", "items": [(label, value, url or None)], "url", "link_label"}.
"""


def providers():
    """Each subject's panel function (imported here, when the home page asks: the subjects'
    view modules import this one's neighbours)."""
    from coordination.panels import coordination_panel
    from voters.letters.views import letters_panel
    from voters.lists.views import lists_panel

    return [coordination_panel, letters_panel, lists_panel]


def home_panels(request):
    panels = []
    for provider in providers():
        panels.extend(provider(request) or [])
    return panels
