
from django import template
from django.utils.translation import gettext as _

from voters.rules import nik as nik_rules

register = template.Library()



@register.filter
def dash(value):
    """A figure for display: None (not known, or not provided yet) is an em dash."""
    return "—" if value is None or value == "" else value


@register.filter
def signed(value):
    if value is None:
        return "—"
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"
    return "0"


@register.simple_tag
def link_text(link, user):
    """What an action item link shows: the linked object, else its label; NIKs masked."""
    text = link.label
    if link.content_type_id:
        target = link.target
        text = str(target) if target is not None else (text or _("(data sudah dihapus)"))
    if not user.sees_full_nik:
        text = nik_rules.mask_in_text(text)
    return text


@register.simple_tag
def link_url(link):
    if not link.content_type_id:
        return ""
    target = link.target
    get_url = getattr(target, "get_absolute_url", None)
    return get_url() if get_url else ""


@register.filter
def status_class(item):
    if item.is_overdue():
        return "bad"
    if item.status == "done":
        return "ok"
    if item.status == "in_progress":
        return "warn"
    return ""


@register.filter
def mask_nik(text, user):
    """Free text as this user may see it: a 16-digit number (a NIK typed into minutes or a
    follow-up) is masked for every role that does not see full NIKs."""
    if not text or getattr(user, "sees_full_nik", False):
        return text
    return nik_rules.mask_in_text(str(text))
