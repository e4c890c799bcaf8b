from django import template
from django.utils.translation import gettext as _

from voters.core.access import show_nik
from voters.core.glossary import NIK_ISSUES, match_text
from voters.rules.address import compose_address, split_address

register = template.Library()


@register.simple_tag
def print_asset(name):
    """{% print_asset 'fonts/DejaVuSans.ttf' %}: a packaged file for a printed document."""
    from voters.letters.pdf import asset_url

    return asset_url(name)


@register.filter
def nik_for(value, user):
    """{{ inmate.nik|nik_for:request.user }}: full for staff roles, masked for others."""
    return show_nik(user, value)


@register.filter
def address_line(entry):
    """{{ r.entry|address_line }}: the address with one RT/RW, not the list's added to its own."""
    return compose_address(entry.alamat, entry.rt, entry.rw, missing="—")


@register.filter
def address_parts(entry):
    """{% with a=r.entry|address_parts %}: street, rt and rw for separate cells (Model A)."""
    return split_address(entry.alamat, entry.rt, entry.rw)


@register.filter
def days_label(days):
    if days is None:
        return ""
    if days == 0:
        return _("hari ini")
    if days > 0:
        return _("%(n)s hari lagi") % {"n": days}
    return _("lewat %(n)s hari") % {"n": -days}


@register.filter
def nik_issue(code):
    """A NIK check's code (``not_16_digits``) in plain words for the officer."""
    return NIK_ISSUES.get(code, code)


@register.simple_tag
def match_words(item):
    """How a reconciliation item was matched, for people: "NIK sama; yang sama: nama, …"."""
    return match_text(item.match_layer, item.match_fields)
