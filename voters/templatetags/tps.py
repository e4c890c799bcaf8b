from django import template
from django.utils.translation import gettext as _

from voters.access import show_nik

register = template.Library()


@register.filter
def nik_for(value, user):
    """{{ inmate.nik|nik_for:request.user }}: full for staff roles, masked for others."""
    return show_nik(user, value)


@register.filter
def days_label(days):
    if days is None:
        return ""
    if days == 0:
        return _("hari ini")
    if days > 0:
        return _("%(n)s hari lagi") % {"n": days}
    return _("lewat %(n)s hari") % {"n": -days}
