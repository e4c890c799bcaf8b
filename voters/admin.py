from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import TPS, AuditEvent, Election, Facility, ImportBatch, User


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
