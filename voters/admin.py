from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    TPS,
    AuditEvent,
    DapilEntry,
    Election,
    Facility,
    ImportBatch,
    ListEntry,
    ReferenceDPT,
    User,
    VoterList,
)


class FacilityScopedAdmin(admin.ModelAdmin):
    """An admin with a facility sees only that facility's rows."""

    facility_path = "facility"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or not request.user.facility_id:
            return qs
        return qs.filter(**{self.facility_path: request.user.facility_id})


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_path = "pk"
    list_display = ["code", "name", "kind", "region_code"]
    search_fields = ["code", "name"]


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "polling_date", "region_code", "races"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "polling_date", "region_code", "races"]}),
        (
            _("Tenggat (hari sebelum pemungutan)"),
            {
                "fields": [
                    "dptb_general_days",
                    "dptb_special_days",
                    "letter_days",
                    "letter_request_days",
                ]
            },
        ),
        (
            _("Jam pemungutan"),
            {
                "fields": [
                    "voting_start",
                    "voting_end",
                    "dptb_start",
                    "dpk_start",
                    "time_zone_label",
                ]
            },
        ),
    ]


@admin.register(TPS)
class TPSAdmin(FacilityScopedAdmin):
    list_display = ["number", "election", "facility", "capacity"]
    list_filter = ["election"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "facility", "tps_number", "is_active"]
    list_filter = ["role", "facility", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Peran"), {"fields": ["role", "facility", "tps_number", "institution"]}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or not request.user.facility_id:
            return qs
        return qs.filter(facility_id=request.user.facility_id)


@admin.register(ImportBatch)
class ImportBatchAdmin(FacilityScopedAdmin):
    list_display = ["created_at", "kind", "file_name", "status", "created_by"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(FacilityScopedAdmin):
    list_display = ["created_at", "actor_name", "action", "summary", "row_count", "result"]
    list_filter = ["action", "result"]
    search_fields = ["actor_name", "summary"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- notification letters, delivery register, polling day (voters/models/letters.py) --------

from .models import (  # noqa: E402  (kept with the letters section)
    LetterBatch,
    LetterDelivery,
    NoticeTemplate,
    PollingCheckIn,
)


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    """The letter's form name and wording per election: DOMAIN.md marks the Pilkada text as
    unconfirmed, so it is data an admin checks against the KPU form and edits here."""

    list_display = ["election", "form_name", "text_confirmed", "updated_at"]
    list_filter = ["text_confirmed"]
    fieldsets = [
        (None, {"fields": ["election", "form_name", "text_confirmed"]}),
        (
            _("Teks surat"),
            {
                "fields": [
                    "title",
                    "election_title",
                    "opening",
                    "notes",
                    "ballot_instructions",
                    "warning",
                    "signature_title",
                    "signature_place",
                ]
            },
        ),
        (_("Saran waktu kehadiran"), {"fields": ["arrival_windows"]}),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        election = Election.objects.filter(pk=request.GET.get("election") or None).first()
        if election is not None:
            initial.update(NoticeTemplate.defaults_for(election))
        else:
            initial.setdefault("form_name", "Model C.Pemberitahuan-KWK")
        return initial


class TpsScopedReadOnlyAdmin(FacilityScopedAdmin):
    facility_path = "tps__facility"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LetterBatch)
class LetterBatchAdmin(TpsScopedReadOnlyAdmin):
    list_display = ["created_at", "tps", "block", "status", "page_count", "created_by"]
    list_filter = ["status", "election"]


@admin.register(LetterDelivery)
class LetterDeliveryAdmin(TpsScopedReadOnlyAdmin):
    list_display = ["tps", "list_kind", "list_number", "nama", "status", "reason",
                    "delivered_on", "delivered_by"]
    list_filter = ["status", "reason", "election"]
    search_fields = ["nama"]


@admin.register(PollingCheckIn)
class PollingCheckInAdmin(TpsScopedReadOnlyAdmin):
    list_display = ["tps", "list_kind", "list_number", "nama", "voted_at", "by", "undone_at"]
    list_filter = ["list_kind", "is_dpk_addition", "election"]
    search_fields = ["nama"]


# -- KPU voter lists: read-only here; they change only by importing a KPU file ---------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoterList)
class VoterListAdmin(ReadOnlyAdmin, FacilityScopedAdmin):
    facility_path = "tps__facility"
    list_display = ["kind", "tps", "election", "row_count", "file_name", "imported_at"]
    list_filter = ["kind", "election"]


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin, FacilityScopedAdmin):
    facility_path = "voter_list__tps__facility"
    list_display = ["position", "nama", "nik", "nik_format", "tanggal_lahir", "voter_list"]
    list_filter = ["voter_list__kind", "nik_format"]
    search_fields = ["nama", "=nik"]
    list_select_related = ["voter_list", "voter_list__tps"]


@admin.register(ReferenceDPT)
class ReferenceDPTAdmin(ReadOnlyAdmin):
    list_display = ["election", "status", "row_count", "file_name", "created_at", "activated_at"]
    list_filter = ["status", "election"]


@admin.register(DapilEntry)
class DapilEntryAdmin(ReadOnlyAdmin):
    list_display = ["election", "contest", "dapil", "kode_wilayah"]
    list_filter = ["election", "contest"]
    search_fields = ["dapil", "kode_wilayah"]
