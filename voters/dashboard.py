"""The home-page dashboard: a few charts per role, each answering one question a Karutan, a KPPS
officer or the KPU liaison asks ("how many will vote here?", "are the letters out?").

Every figure is an aggregate computed with a fixed number of queries, whatever the number of
inmates or list entries (tests/test_dashboard.py holds that). Observers get the same aggregates
with no names and no links into pages they may not open. Charts are drawn by
``voters/templatetags/charts.py`` as server-side SVG: no script, nothing from outside the LAN.

A card is a dict: ``{"key", "title", "kind", "chart", "url", "link_label", "empty", "note"}``,
where ``kind`` picks the chart template (bars, donut, stacked, deadlines, links, countdown).
"""

from collections import Counter

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from voters.core.access import READERS, STAFF, Role, current_facility, has_role
from voters.inmates import eligibility
from voters.letters.models import PollingCheckIn
from voters.models import Inmate, NikStatus, VoterList
from voters.reconciliation.models import Category
from voters.reconciliation.selectors import current_election
from voters.rules.lists import LIST_LABELS, LIST_ORDER

# Tones map to the palette in app.css (.tone-*); the text always says the same as the colour.
OK, WARN, INFO, NEUTRAL, BAD = "ok", "warn", "info", "neutral", "bad"

CATEGORY_TONES = {
    Category.TERDAFTAR: OK,
    Category.PETUGAS: OK,
    Category.PERLU_PERIKSA: WARN,
    Category.GANDA: WARN,
    Category.TIDAK_DIKENAL: WARN,
    Category.USUL_DPTB: INFO,
    Category.PEREKAMAN: INFO,
    Category.BELUM_TERDAFTAR: INFO,
    Category.KELUAR: NEUTRAL,
    Category.TMS: NEUTRAL,
    Category.LUAR_WILAYAH: NEUTRAL,
}
# Charts list the categories by what they ask for (as CATEGORY_TONES), not by precedence.
CATEGORY_ORDER = list(CATEGORY_TONES)
# Categories that ask someone to act (the "perlu tindakan" figure).
ACTION_CATEGORIES = [c for c, tone in CATEGORY_TONES.items() if tone in (WARN, INFO)]

# NIK statuses in the groups an officer acts on, with the work list that holds each group.
# Lazy: a module constant translated at import would stay in the language of that moment.
NIK_GROUPS = [
    (_lazy("Terverifikasi Dukcapil"), OK, (NikStatus.VERIFIED, NikStatus.BIOMETRIC_MATCH), None),
    (
        _lazy("NIK sah, belum dikirim ke Dukcapil"),
        INFO,
        (NikStatus.FORMAT_VALID, NikStatus.NOT_CHECKED),
        "belum-dikirim",
    ),
    (_lazy("Menunggu jawaban Dukcapil"), NEUTRAL, (NikStatus.SENT, NikStatus.RECORDED), "menunggu"),
    (
        _lazy("Dukcapil: tidak ditemukan atau belum rekam"),
        WARN,
        (
            NikStatus.NOT_FOUND,
            NikStatus.NOT_RECORDED,
            NikStatus.RECORDING_SCHEDULED,
            NikStatus.BIOMETRIC_NO_MATCH,
        ),
        "perekaman",
    ),
    (_lazy("NIK kosong atau tidak sah"), BAD, (NikStatus.FORMAT_INVALID,), "perekaman"),
]

LIST_KINDS = tuple((kind, LIST_LABELS[kind]) for kind in LIST_ORDER)
MAX_TPS_CARDS = 3


def short_date(day):
    return date_format(day, "D, j M Y")


class Dashboard:
    """The cards for one request. Figures shared by several cards are read once."""

    def __init__(self, request, today=None):
        self.request = request
        self.user = request.user
        self.today = today or timezone.localdate()
        self.election = current_election(self.user)
        self.facility = current_facility(request)
        self._run = None
        self._run_loaded = False

    # -- who sees what -------------------------------------------------------------------

    @property
    def role(self):
        if self.user.is_superuser:
            return Role.ADMIN
        return self.user.role

    def can(self, *roles):
        return has_role(self.user, roles)

    def link(self, roles, name, *args, query=""):
        """A URL into a page, only for users who may open it."""
        if not self.can(*roles):
            return None
        return reverse(name, args=args) + (f"?{query}" if query else "")

    def cards(self):
        if self.election is None:
            return []
        role = self.role
        if role == Role.KPPS:
            builders = [
                self.letters_cards,
                self.countdown_card,
                self.polling_card,
                self.actions_card,
            ]
        elif role == Role.KPU:
            builders = [
                self.list_status_card,
                self.reconciliation_card,
                self.exports_card,
                self.inmates_card,
                self.deadlines_card,
                self.actions_card,
            ]
        elif role == Role.OBSERVER:
            builders = [
                self.inmates_card,
                self.reconciliation_card,
                self.letters_cards,
                self.nik_card,
                self.deadlines_card,
                self.actions_card,
            ]
        else:  # operator and admin
            builders = [
                self.inmates_card,
                self.nik_card,
                self.reconciliation_card,
                self.letters_cards,
                self.deadlines_card,
                self.actions_card,
            ]
        cards = []
        for build in builders:
            made = build()
            if isinstance(made, list):
                cards.extend(made)
            elif made:
                cards.append(made)
        return cards

    def headline(self):
        """Three or four big numbers above the charts."""
        if self.election is None:
            return []
        days = (self.election.polling_date - self.today).days
        tiles = [
            {
                "label": _("menuju hari pemungutan"),
                "value": days if days >= 0 else "—",
                "unit": _("hari"),
                "note": short_date(self.election.polling_date),
                "tone": WARN if 0 <= days <= 7 else INFO,
            }
        ]
        if self.role == Role.KPPS:
            deadline = self.election.letter_deadline
            left = (deadline - self.today).days
            tiles.append(
                {
                    "label": _("menuju batas surat H-%(n)s") % {"n": self.election.letter_days},
                    "value": left if left >= 0 else "—",
                    "unit": _("hari"),
                    "note": short_date(deadline),
                    "tone": WARN if left <= 2 else INFO,
                }
            )
            for tps in self.tps_list()[:1]:
                pending = self.register_for(tps).counts.get("pending", 0)
                tiles.append(
                    {
                        "label": _("belum diserahkan ke pemilih"),
                        "value": pending,
                        "unit": _("surat"),
                        "note": _("TPS %(n)s") % {"n": tps.number},
                        "tone": WARN if pending else OK,
                    }
                )
            return tiles
        figures = self.inmate_figures()
        tiles.append(
            {
                "label": _("WBP di dalam hari ini"),
                "value": figures["inside"],
                "unit": _("orang"),
                "note": "",
                "tone": NEUTRAL,
            }
        )
        tiles.append(
            {
                "label": _("diperkirakan memilih di rutan"),
                "value": figures["expected"],
                "unit": _("orang"),
                "note": _("masih di dalam pada hari pemungutan"),
                "tone": OK,
            }
        )
        run = self.latest_run()
        if run is not None:
            pending = sum((run.counts or {}).get(c.value, 0) for c in ACTION_CATEGORIES)
            tiles.append(
                {
                    "label": _("perlu tindakan"),
                    "value": pending,
                    "unit": _("orang"),
                    "note": _("hasil rekonsiliasi terakhir"),
                    "tone": WARN if pending else OK,
                }
            )
        return tiles

    # -- figures -------------------------------------------------------------------------

    def inmates(self):
        return Inmate.objects.for_user(self.user)

    def inmate_figures(self):
        """The roster header's custody counts (the same figures, kept per roster version)."""
        if not hasattr(self, "_inmate_figures"):
            self._inmate_figures, _blocks = eligibility.roster_header(
                self.inmates(),
                today=self.today,
                polling=self.election.polling_date,
                versions=eligibility.request_versions(self.request),
            )
        return self._inmate_figures

    def latest_run(self):
        if not self._run_loaded:
            from voters.reconciliation.services import latest_run

            self._run = (
                latest_run(self.election, self.facility) if self.facility is not None else None
            )
            self._run_loaded = True
        return self._run

    def register_for(self, tps):
        """The counts of the TPS's delivery register, cached per change of what they are
        computed from (voters/letters/counts.py): the register itself grows with the lists."""
        from voters.letters.counts import register_summary

        return register_summary(self.request, tps, today=self.today)

    def tps_list(self):
        if hasattr(self, "_tps_list"):
            return self._tps_list
        self._tps_list = sorted(
            (tps for tps in self.user.visible_tps() if tps.election_id == self.election.pk),
            key=lambda tps: tps.number,
        )[:MAX_TPS_CARDS]
        return self._tps_list

    # -- cards ---------------------------------------------------------------------------

    def inmates_card(self):
        figures = self.inmate_figures()
        polling = short_date(self.election.polling_date)
        roster = (Role.OPERATOR, Role.KPU, Role.OBSERVER)
        rows = [
            {
                "label": _("Di dalam rutan hari ini"),
                "value": figures["inside"],
                "tone": INFO,
                "url": self.link(roster, "inmate_list", query="custody=inside"),
            },
            {
                "label": _("Masih di dalam pada hari pemungutan (%(d)s)") % {"d": polling},
                "value": figures["expected"],
                "tone": OK,
                "url": self.link(roster, "inmate_list", query="custody=expected"),
            },
            {
                "label": _("Bebas atau keluar sebelum hari pemungutan"),
                "value": figures["leaving"],
                "tone": NEUTRAL,
                "url": self.link(roster, "inmate_list", query="custody=leaving"),
            },
        ]
        return {
            "key": "wbp",
            "title": _("WBP hari ini dan pada hari pemungutan"),
            "kind": "bars",
            "chart": {"rows": rows, "unit": _("orang")},
            "empty": None
            if figures["inside"]
            else _("Belum ada data WBP. Petugas rutan mengimpor data dari SDP di menu Impor SDP."),
            "url": self.link(roster, "inmate_list"),
            "link_label": _("Daftar WBP"),
        }

    def nik_card(self):
        counts = eligibility.nik_status_counts(
            self.inmates(), today=self.today, versions=eligibility.request_versions(self.request)
        )
        rows = []
        for label, tone, statuses, worklist in NIK_GROUPS:
            value = sum(counts.get(s.value, 0) for s in statuses)
            url = self.link(STAFF, "nik_worklist_tab", worklist) if worklist else None
            rows.append({"label": label, "value": value, "tone": tone, "url": url})
        total = sum(counts.values())
        return {
            "key": "nik",
            "title": _("NIK WBP yang di dalam"),
            "kind": "bars",
            "chart": {"rows": rows, "unit": _("orang"), "total": total},
            "empty": None if total else _("Belum ada WBP di dalam."),
            "url": self.link(STAFF, "nik_worklist"),
            "link_label": _("Kerjakan NIK dan Dukcapil"),
        }

    def reconciliation_card(self):
        run = self.latest_run()
        card = {
            "key": "rekonsiliasi",
            "title": _("Hasil rekonsiliasi terakhir"),
            "kind": "bars",
            "url": self.link(READERS, "reconciliation"),
            "link_label": _("Buka rekonsiliasi"),
        }
        if run is None:
            card["chart"] = {"rows": []}
            card["empty"] = _(
                "Belum ada rekonsiliasi. Setelah data WBP dan daftar KPU dimuat, petugas rutan "
                "atau KPU menekan \u201cJalankan rekonsiliasi sekarang\u201d."
            )
            return card
        counts = run.counts or {}
        rows = [
            {
                "label": c.label,
                "code": c.value,
                "value": counts.get(c.value, 0),
                "tone": CATEGORY_TONES[c],
                "url": self.link(
                    READERS, "reconciliation_run", run.pk, query=f"kategori={c.value}"
                ),
            }
            for c in CATEGORY_ORDER
            if counts.get(c.value)
        ]
        card["chart"] = {"rows": rows, "unit": _("orang"), "legend": True}
        card["note"] = _("Tanggal acuan %(d)s, selesai %(t)s.") % {
            "d": short_date(run.today),
            "t": timezone.localtime(run.finished_at).strftime("%d-%m-%Y %H.%M")
            if run.finished_at
            else "—",
        }
        from voters.reconciliation.services import capacity_check

        capacity = capacity_check(run)
        if capacity and capacity["over"]:
            card["note"] = _(
                "Daftar dan usulan melebihi kapasitas TPS (%(c)s) sebanyak %(n)s orang."
            ) % {"c": capacity["capacity"], "n": capacity["over"]}
            card["note_tone"] = "warn"
        return card

    def letters_cards(self):
        cards = []
        for tps in self.tps_list():
            register = self.register_for(tps)
            counts = register.counts
            segments = [
                {"label": _("Sudah diterima"), "value": counts.get("delivered_all", 0), "tone": OK},
                {
                    "label": _("Tidak dapat disampaikan"),
                    "value": counts.get("undeliverable", 0),
                    "tone": BAD,
                },
                {
                    "label": _("Belum diserahkan"),
                    "value": counts.get("pending", 0),
                    "tone": NEUTRAL,
                },
            ]
            total = counts.get("total", 0)
            done = counts.get("delivered_all", 0)
            cards.append(
                {
                    "key": f"surat-{tps.number}",
                    "title": _("Surat pemberitahuan TPS %(n)s") % {"n": tps.number},
                    "kind": "donut",
                    "chart": {
                        "segments": segments,
                        "total": total,
                        "center": f"{round(done * 100 / total) if total else 0}%",
                        "center_label": _("diterima"),
                    },
                    "note": _("Batas H-%(n)s: %(d)s (%(left)s)")
                    % {
                        "n": tps.election.letter_days,
                        "d": short_date(register.deadline),
                        "left": days_text(register.days_left),
                    },
                    "note_tone": BAD
                    if register.past_deadline and counts.get("pending")
                    else WARN
                    if 0 <= register.days_left <= 2
                    else "",
                    "empty": None
                    if total
                    else _(
                        "Belum ada penerima surat: daftar pemilih TPS ini belum dimuat atau belum "
                        "cocok dengan data WBP."
                    ),
                    "url": reverse("deliveries", args=[tps.pk]),
                    "link_label": _("Catat tanda terima")
                    if self.can(Role.KPPS)
                    else _("Lihat tanda terima"),
                }
            )
        return cards

    def deadlines_card(self, codes=None):
        rows = []
        horizon = max((self.election.polling_date - self.today).days, 1)
        for code, label, day in self.election.deadlines():
            if codes and code not in codes:
                continue
            days = (day - self.today).days
            rows.append(
                {
                    "code": code,
                    "label": label,
                    "date": short_date(day),
                    "days": days,
                    "text": days_text(days),
                    "width": round(max(0, min(days, horizon)) * 100 / horizon, 1),
                    "tone": NEUTRAL if days < 0 else WARN if days <= 7 else INFO,
                }
            )
        return {
            "key": "tenggat",
            "title": _("Tenggat menuju hari pemungutan"),
            "kind": "deadlines",
            "chart": {"rows": rows},
            "url": reverse("election_detail", args=[self.election.code]),
            "link_label": _("Rincian pemilihan"),
        }

    def countdown_card(self):
        card = self.deadlines_card(
            codes={f"H-{self.election.letter_days}", f"H-{self.election.letter_request_days}", "H"}
        )
        card["title"] = _("Hari menuju tenggat KPPS")
        return card

    def polling_card(self):
        tps_list = self.tps_list()
        if not tps_list:
            return None
        tps = tps_list[0]
        registered = dict(VoterList.objects.filter(tps=tps).values_list("kind", "row_count"))
        voted = Counter()
        added = Counter()
        for kind, dpk_added, n in (
            PollingCheckIn.objects.filter(tps=tps, undone_at__isnull=True)
            .values_list("list_kind", "is_dpk_addition")
            .annotate(n=Count("pk"))
        ):
            voted[kind] += n
            if dpk_added:
                added[kind] += n
        rows = []
        for kind, label in LIST_KINDS:
            total = registered.get(kind, 0) + added.get(kind, 0)
            if not total and kind != "DPT":
                continue
            rows.append({"label": label, "value": voted.get(kind, 0), "total": total, "tone": OK})
        days = (self.election.polling_date - self.today).days
        note = (
            (
                _("Daftar hadir dibuka pada hari pemungutan, %(d)s.")
                % {"d": short_date(self.election.polling_date)}
            )
            if days > 0
            else ""
        )
        return {
            "key": "pemungutan",
            "title": _("Pemilih TPS %(n)s yang sudah memilih") % {"n": tps.number},
            "kind": "progress",
            "chart": {"rows": rows},
            "note": note,
            "empty": None
            if rows and any(r["total"] for r in rows)
            else _("Daftar pemilih TPS ini belum dimuat oleh KPU."),
            "url": reverse("polling", args=[tps.pk]),
            "link_label": _("Daftar hadir pemilih"),
        }

    def list_status_card(self):
        """Each TPS list (DPT, DPTb, DPK) split by what the reconciliation found for its people."""
        run = self.latest_run()
        card = {
            "key": "daftar",
            "title": _("Daftar pemilih TPS menurut hasil rekonsiliasi"),
            "kind": "stacked",
            "url": self.link(READERS, "voter_lists"),
            "link_label": _("Buka daftar pemilih"),
        }
        if run is None:
            loaded = VoterList.objects.filter(
                tps__in=self.user.tps_queryset(), election=self.election
            ).exists()
            card["chart"] = {"rows": []}
            card["empty"] = (
                _("Daftar sudah dimuat; jalankan rekonsiliasi untuk melihat statusnya.")
                if loaded
                else _("Belum ada daftar pemilih TPS. Unggah DPT di menu Daftar Pemilih.")
            )
            return card
        from voters.reconciliation.services import list_counts_of

        by_list = list_counts_of(run)
        rows = []
        for kind, label in LIST_KINDS:
            counts = by_list.get(kind)
            if not counts:
                continue
            rows.append(
                {
                    "label": label,
                    "total": sum(counts.values()),
                    "segments": [
                        {
                            "label": c.label,
                            "code": c.value,
                            "value": counts[c.value],
                            "tone": CATEGORY_TONES[c],
                        }
                        for c in CATEGORY_ORDER
                        if counts.get(c.value)
                    ],
                }
            )
        card["chart"] = {"rows": rows}
        card["empty"] = None if rows else _("Belum ada nama dari daftar KPU di rekonsiliasi ini.")
        return card

    def exports_card(self):
        from voters.reconciliation.exports import EXPORTS

        run = self.latest_run()
        if run is None or run.status != run.Status.DONE or not self.can(*STAFF):
            return None
        links = [
            {
                "label": spec[2],
                "xlsx": reverse("reconciliation_export", args=[run.pk, key, "xlsx"]),
                "csv": reverse("reconciliation_export", args=[run.pk, key, "csv"]),
            }
            for key, spec in EXPORTS.items()
        ]
        return {
            "key": "ekspor",
            "title": _("Ekspor untuk KPU"),
            "kind": "links",
            "chart": {"links": links},
            "note": _("Dari rekonsiliasi %(d)s. Setiap unduhan dicatat.")
            % {
                "d": timezone.localtime(run.finished_at).strftime("%d-%m-%Y %H.%M")
                if run.finished_at
                else "—"
            },
            "url": reverse("reconciliation_run", args=[run.pk]),
            "link_label": _("Lihat hasil lengkap"),
        }

    def actions_card(self):
        from coordination.selectors import counts_for as action_counts

        counts = action_counts(self.user, self.today)
        figures = {
            "total": counts["open"],
            "overdue": counts["overdue"],
            "week": counts["due_week"],
        }
        later = figures["total"] - figures["overdue"] - figures["week"]
        url = reverse("coordination:action_list")
        rows = [
            {
                "label": _("Terlambat"),
                "value": figures["overdue"],
                "tone": BAD,
                "url": f"{url}?status=terlambat",
            },
            {
                "label": _("Jatuh tempo 7 hari ke depan"),
                "value": figures["week"],
                "tone": WARN,
                "url": url,
            },
            {
                "label": _("Belum selesai, tenggat lebih lama"),
                "value": later,
                "tone": NEUTRAL,
                "url": url,
            },
        ]
        return {
            "key": "tindak-lanjut",
            "title": _("Tindak lanjut rapat koordinasi"),
            "kind": "bars",
            "chart": {"rows": rows, "unit": _("tugas")},
            "empty": None
            if figures["total"]
            else _(
                "Tidak ada tindak lanjut yang terbuka. Tindak lanjut dicatat dari keputusan "
                "rapat koordinasi."
            ),
            "url": url,
            "link_label": _("Semua tindak lanjut"),
        }


def days_text(days):
    if days == 0:
        return _("hari ini")
    if days > 0:
        return _("%(n)s hari lagi") % {"n": days}
    return _("lewat %(n)s hari") % {"n": -days}


def for_request(request):
    dashboard = Dashboard(request)
    return {"headline": dashboard.headline(), "cards": dashboard.cards()}
