"""Navigation entries by role: the whole menu, declared here in the order it is shown."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from coordination.access import READERS as COORDINATION_READERS
from voters.core.access import ALL_ROLES, READERS, STAFF, Role

# (URL name, label, roles that see it); administrators see every entry.
NAV = [
    ("home", _("Beranda"), ALL_ROLES),
    ("inmate_list", "WBP", READERS),
    ("nik_worklist", "NIK & Dukcapil", STAFF),
    ("roster_import", _("Impor SDP"), (Role.OPERATOR,)),
    ("staff_roster", _("Petugas"), (Role.OPERATOR,)),
    ("voter_lists", _("Daftar Pemilih"), ALL_ROLES),
    ("reference_dpt", _("DPT Rujukan"), READERS),
    ("reconciliation", _("Rekonsiliasi"), READERS),
    ("reconciliation_review", _("Pemeriksaan"), STAFF),
    ("regency", _("Kabupaten"), (Role.KPU, Role.OBSERVER)),
    ("kpps_home", "TPS & KPPS", ALL_ROLES),
    ("coordination:meeting_list", _("Rapat koordinasi"), COORDINATION_READERS),
    ("admin:index", _("Administrasi"), ()),  # administrators only
]


def items_for(request):
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    for url_name, label, roles in NAV:
        if not (user.is_superuser or user.role == "admin" or user.role in roles):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": False})
    # The entry with the longest URL that the current path starts with is the active one.
    matches = [i for i in items if request.path == i["url"]
               or (i["url"] != "/" and request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
