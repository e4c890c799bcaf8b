from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
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


def is_global_admin(user):
    """A superuser, or an admin bound to no facility: sees every facility."""
    return user.is_superuser or not user.facility_id


def scoped_choices(request, model):
    """The rows of `model` an admin bound to a facility may pick in a form, or None (all)."""
    user = request.user
    if is_global_admin(user):
        return None
    if model is Facility:
        return Facility.objects.filter(pk=user.facility_id)
    if model is TPS:
        return TPS.objects.filter(facility_id=user.facility_id)
    if model is User:
        return User.objects.filter(facility_id=user.facility_id)
    if model is Election:
        return visible_elections(user)
    facility_field = next(
        (f for f in model._meta.fields if getattr(f.related_model, "__name__", "") == "Facility"),
        None,
    )
    if facility_field is not None:
        return model._default_manager.filter(**{facility_field.name: user.facility_id})
    return None


def visible_elections(user):
    """Elections an admin bound to a facility may see: those with a TPS there, and those not yet
    given any TPS (just created). An election used only by other facilities is hidden."""
    qs = Election.objects.all()
    if is_global_admin(user):
        return qs
    return qs.filter(
        models.Q(tps_set__facility_id=user.facility_id) | models.Q(tps_set__isnull=True)
    ).distinct()


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A changelist filter on a relation that offers only the rows the admin may see."""

    def field_choices(self, field, request, model_admin):
        choices = scoped_choices(request, field.related_model)
        if choices is None:
            return super().field_choices(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in choices]


class ScopedChoicesMixin:
    """Drop-downs of a change form and the changelist's filters offer only the admin's own
    facility's rows (SECURITY.md check 6): a name of another facility never shows."""

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = next((f for f in self.model._meta.fields if f.name == item), None)
                if field is not None and field.many_to_one:
                    item = (item, ScopedRelatedFilter)
            filters.append(item)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(request, db_field.related_model)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(request, db_field.related_model)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class FacilityScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """An admin with a facility sees only that facility's rows."""

    facility_path = "facility"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return qs.filter(**{self.facility_path: request.user.facility_id})


class ElectionScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Rows of an election: an admin bound to a facility sees those of its elections only."""

    election_path = "election"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return qs.filter(
            **{f"{self.election_path}__in": visible_elections(request.user).values("pk")})


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_path = "pk"
    list_display = ["code", "name", "kind", "region_code"]
    search_fields = ["code", "name"]


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    # Elections are shared by facilities and hold no personal data; an admin bound to a
    # facility sees (and may change) only its own elections and new ones without a TPS.
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
        (_("Pelindungan data pribadi"), {"fields": ["retention_days"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return qs.filter(pk__in=visible_elections(request.user).values("pk"))


@admin.register(TPS)
class TPSAdmin(FacilityScopedAdmin):
    list_display = ["number", "election", "facility", "capacity"]
    list_filter = ["election"]


@admin.register(User)
class UserAdmin(ScopedChoicesMixin, BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "facility", "tps_number", "is_active"]
    list_filter = ["role", "facility", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Peran"), {"fields": ["role", "facility", "tps_number", "institution"]}),
    )
    # What would let an admin of one facility step out of it: becoming a superuser, or an
    # admin without a facility (who sees every facility).
    ESCALATING_FIELDS = ["is_superuser", "is_staff", "groups", "user_permissions"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.exclude(is_superuser=True)
        if is_global_admin(request.user):
            return qs
        return qs.filter(facility_id=request.user.facility_id)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.ESCALATING_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        if not is_global_admin(request.user):
            obj.facility_id = request.user.facility_id
        super().save_model(request, obj, form, change)


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
class NoticeTemplateAdmin(ElectionScopedAdmin):
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
class ReferenceDPTAdmin(ReadOnlyAdmin, ElectionScopedAdmin):
    list_display = ["election", "status", "row_count", "file_name", "created_at", "activated_at"]
    list_filter = ["status", "election"]


@admin.register(DapilEntry)
class DapilEntryAdmin(ReadOnlyAdmin, ElectionScopedAdmin):
    list_display = ["election", "contest", "dapil", "kode_wilayah"]
    list_filter = ["election", "contest"]
    search_fields = ["dapil", "kode_wilayah"]


# -- third-party models, scoped like ours ----------------------------------------------------

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin  # noqa: E402
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # noqa: E402
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402


class UsernameScopedMixin:
    """Log-in records of an admin's own facility's users only (others: global admins)."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return qs.filter(
            username__in=User.objects.filter(facility_id=request.user.facility_id).values(
                "username")
        )


for _model, _admin_class in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(
        _model, type(_admin_class.__name__, (UsernameScopedMixin, _admin_class), {}))


class ScopedTOTPDeviceAdmin(ScopedChoicesMixin, TOTPDeviceAdmin):
    """Second-factor devices of the facility's own users. Their secret keys and QR codes are
    never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA): those views fetch any device unscoped."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return qs.filter(user__facility_id=request.user.facility_id)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, ScopedTOTPDeviceAdmin)
