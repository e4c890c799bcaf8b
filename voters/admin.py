import functools

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from voters.admin_resources import (
    AuditedImportExportMixin,
    ElectionResource,
    NoticeTemplateResource,
    TMSReasonResource,
    TPSResource,
)
from voters.models import (
    TPS,
    AuditEvent,
    DapilEntry,
    Election,
    Facility,
    ImportBatch,
    ListEntry,
    ReferenceDPT,
    TMSReason,
    User,
    VoterList,
)


def is_global_admin(user):
    """A superuser, or an admin bound to no facility: sees every facility."""
    return user.is_superuser or not user.facility_id


# Where a model's facility is, when the shortest path to it is not the right one.
FACILITY_PATHS = {
    "coordination.ActionItem": "meeting__facility",
    "coordination.ActionItemLink": "action_item__meeting__facility",
    "voters.ListEntry": "voter_list__tps__facility",
}


def _relations(model):
    return [f for f in model._meta.fields if f.is_relation and f.related_model is not None]


@functools.cache
def facility_path(model):
    """The lookup from `model` to the facility that owns its rows ('facility', 'tps__facility',
    'meeting__facility'…), or None for rows of no facility (elections, content types, groups).
    Found by following foreign keys, shortest first; through a user only as a last resort
    (`created_by` says who, not whose)."""
    if model is Facility:
        return "pk"
    if model._meta.label in FACILITY_PATHS:
        return FACILITY_PATHS[model._meta.label]
    for through_users in (False, True):
        level, seen = [(model, "")], {model}
        for _depth in range(4):
            following = []
            for current, prefix in level:
                for field in _relations(current):
                    related = field.related_model
                    if related is Facility:
                        return prefix + field.name
                    if related in seen or related is ContentType:
                        continue
                    if related is User and not through_users:
                        continue
                    seen.add(related)
                    following.append((related, f"{prefix}{field.name}__"))
            level = following
    return None


def facility_id_of(obj):
    """The id of the facility owning `obj` (saved or not), or None."""
    path = facility_path(type(obj))
    if path is None:
        return None
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    try:
        for hop in hops:
            obj = getattr(obj, hop)
            if obj is None:
                return None
    except ObjectDoesNotExist:
        return None
    return getattr(obj, f"{last}_id")


def _election_field(model):
    return next((f for f in _relations(model) if f.related_model is Election), None)


def scoped_queryset(user, model):
    """The rows of `model` this user may pick in a form, or None when any row may be picked
    (a global administrator, or rows of no facility such as content types and groups).

    An administrator bound to a facility picks that facility's own rows (its users, TPS,
    meetings, institutions; not the catalogue's), the elections it takes part in and the rows
    of those elections (notice templates, reference DPT)."""
    if is_global_admin(user):
        return None
    if model is Election:
        return visible_elections(user)
    path = facility_path(model)
    if path is not None:
        return model._default_manager.filter(**{path: user.facility_id})
    election = _election_field(model)
    if election is not None:
        return model._default_manager.filter(
            **{f"{election.name}__in": visible_elections(user).values("pk")}
        )
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


def scoped_choices(request, model):
    """The rows of `model` an admin bound to a facility may pick in a form, or None (all)."""
    return scoped_queryset(request.user, model)


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A changelist filter on a relation that offers only the rows the admin may see."""

    def field_choices(self, field, request, model_admin):
        choices = scoped_choices(request, field.related_model)
        if choices is None:
            return super().field_choices(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in choices]


OUT_OF_SCOPE = _("Pilihan ini bukan milik UPT Anda.")


def _check_choices(form, user):
    """Every row a form field points at is within the user's scope, whatever queryset the
    field was given."""
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if not isinstance(field, forms.ModelChoiceField) or not value:
            continue
        allowed = scoped_queryset(user, field.queryset.model)
        if allowed is None:
            continue
        many = isinstance(field, forms.ModelMultipleChoiceField)
        pks = {row.pk for row in value} if many else {value.pk}
        if allowed.filter(pk__in=pks).count() != len(pks):
            form.add_error(name, OUT_OF_SCOPE)


def _check_generic_links(form, user):
    """A generic link (content type + object id) names an existing row owned by a facility,
    within the user's scope and of the same facility as the row that holds the link."""
    for link in form._meta.model._meta.private_fields:
        if not isinstance(link, GenericForeignKey):
            continue
        ct_name, id_name = link.ct_field, link.fk_field
        if ct_name not in form.fields and id_name not in form.fields:
            continue
        if ct_name in form.fields:
            content_type = form.cleaned_data.get(ct_name)
        else:
            content_type = getattr(form.instance, ct_name, None)
        if content_type is None:
            continue  # a free reference, or an error already on the field
        object_id = (
            form.cleaned_data.get(id_name)
            if id_name in form.fields
            else getattr(form.instance, id_name)
        )
        target_model = content_type.model_class()
        if target_model is None or facility_path(target_model) is None:
            form.add_error(
                ct_name if ct_name in form.fields else None,
                _("Rujukan hanya dapat menunjuk data milik sebuah UPT."),
            )
            continue
        allowed = scoped_queryset(user, target_model)
        if allowed is None:
            allowed = target_model._default_manager.all()
        try:
            target = allowed.filter(pk=target_model._meta.pk.to_python(object_id)).first()
        except (ValidationError, ValueError, TypeError):
            target = None
        owner = facility_id_of(form.instance)
        if target is None or (owner is not None and facility_id_of(target) != owner):
            form.add_error(
                id_name if id_name in form.fields else None,
                _("Data yang dirujuk tidak ada atau bukan milik UPT ini."),
            )


def scoped_form(form_class, user):
    """`form_class` whose clean() refuses rows outside the user's scope (SECURITY.md check 32):
    foreign keys and many-to-many fields, and generic links."""

    def clean(self):
        data = form_class.clean(self)
        _check_choices(self, user)
        _check_generic_links(self, user)
        return data

    return type(form_class.__name__, (form_class,), {"clean": clean})


class ScopedChoicesMixin:
    """Drop-downs of a change form, its inlines and the changelist's filters offer only the
    admin's own facility's rows (SECURITY.md checks 6 and 32): a name of another facility never
    shows, and a posted id of another facility's row, or a generic link to one, is refused."""

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

    def get_form(self, request, obj=None, **kwargs):
        return scoped_form(super().get_form(request, obj, **kwargs), request.user)

    def get_formset(self, request, obj=None, **kwargs):  # inlines
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = scoped_form(formset.form, request.user)
        return formset


class ScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline whose choices and generic links are scoped like its parent's form."""


class SharedRowMixin:
    """Rows shared by facilities (an election, its notice template): an administrator bound to
    one facility reads them; only a global administrator adds, changes or deletes them, since a
    change reaches every facility (retention of personal data, letter wording)."""

    def has_add_permission(self, request, *args):
        return is_global_admin(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_global_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_global_admin(request.user) and super().has_delete_permission(request, obj)


class ScopedRowsMixin:
    """The changelist's rows: all of them for a global administrator; for an administrator
    bound to a facility, only those ``scope`` keeps."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_global_admin(request.user):
            return qs
        return self.scope(qs, request.user)

    def scope(self, qs, user):
        raise NotImplementedError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows and never adds, changes or deletes (the audit trail, the lists)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FacilityScopedAdmin(ScopedRowsMixin, ScopedChoicesMixin, admin.ModelAdmin):
    """An admin with a facility sees only that facility's rows."""

    facility_path = "facility"

    def scope(self, qs, user):
        return qs.filter(**{self.facility_path: user.facility_id})


class ElectionScopedAdmin(ScopedRowsMixin, ScopedChoicesMixin, admin.ModelAdmin):
    """Rows of an election: an admin bound to a facility sees those of its elections only."""

    election_path = "election"

    def scope(self, qs, user):
        return qs.filter(**{f"{self.election_path}__in": visible_elections(user).values("pk")})


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_path = "pk"
    list_display = ["code", "name", "kind", "region_code"]
    search_fields = ["code", "name"]


@admin.register(Election)
class ElectionAdmin(AuditedImportExportMixin, SharedRowMixin, ElectionScopedAdmin):
    # Elections are shared by facilities and hold no personal data; an admin bound to a
    # facility sees its own elections and new ones without a TPS, read-only (it exports their
    # calendar; only a global admin imports).
    election_path = "pk"
    resource_classes = [ElectionResource]
    list_display = ["code", "name", "kind", "polling_date", "region_code", "races"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "polling_date", "region_code", "races"]}),
        (
            _("Tenggat (hari sebelum pemungutan)"),
            {
                "fields": [
                    "dpt_date",
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
                    "allow_dpk",
                    "time_zone_label",
                ]
            },
        ),
        (_("Pelindungan data pribadi"), {"fields": ["retention_days"]}),
    ]


@admin.register(TPS)
class TPSAdmin(AuditedImportExportMixin, FacilityScopedAdmin):
    resource_classes = [TPSResource]
    list_display = ["number", "election", "facility", "capacity", "ksk"]
    list_filter = ["election"]


@admin.register(User)
class UserAdmin(ScopedRowsMixin, ScopedChoicesMixin, BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "facility", "region_code", "tps_number",
                    "is_active"]
    list_filter = ["role", "facility", "is_active"]
    ROLE_FIELDS = ["role", "facility", "region_code", "tps_number", "institution"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Peran"), {"fields": ROLE_FIELDS}),)
    # The model's clean() names the facility: the add form must have it (it was a 500).
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Peran"), {"fields": ROLE_FIELDS}),)
    # What would let an admin of one facility step out of it: becoming a superuser, or an
    # admin without a facility (who sees every facility), or a user of a whole region.
    ESCALATING_FIELDS = ["is_superuser", "is_staff", "groups", "user_permissions", "region_code"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.exclude(is_superuser=True)
        return qs

    def scope(self, qs, user):
        return qs.filter(facility_id=user.facility_id)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.ESCALATING_FIELDS
            if is_global_admin(request.user):
                fields.remove("region_code")  # a system admin sets up the regency's users
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not is_global_admin(request.user) and "facility" in form.base_fields:
            # Users of its own facility only: never one without a facility (a global admin).
            field = form.base_fields["facility"]
            field.required = True
            field.empty_label = None
            field.initial = request.user.facility_id
        return form

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
class AuditEventAdmin(ReadOnlyAdmin, FacilityScopedAdmin):
    list_display = ["created_at", "actor_name", "action", "summary", "row_count", "result"]
    list_filter = ["action", "result"]
    search_fields = ["actor_name", "summary"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


# -- notification letters, delivery register, polling day (voters/letters/models.py) --------

from voters.letters.models import DEFAULT_NOTES, DEFAULT_SIGNATURE  # noqa: E402
from voters.models import (  # noqa: E402  (kept with the letters section)
    LetterBatch,
    LetterDelivery,
    NoticeTemplate,
    PollingCheckIn,
)


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(AuditedImportExportMixin, SharedRowMixin, ElectionScopedAdmin):
    """The letter's form name and wording per election: DOMAIN.md marks the Pilkada text as
    unconfirmed, so it is data an admin checks against the KPU form and edits here."""

    resource_classes = [NoticeTemplateResource]

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
            initial.setdefault("notes", DEFAULT_NOTES)
            initial.setdefault("signature_title", DEFAULT_SIGNATURE)
        return initial


@admin.register(TMSReason)
class TMSReasonAdmin(
    AuditedImportExportMixin, SharedRowMixin, ScopedChoicesMixin, admin.ModelAdmin
):
    """Not-eligible reasons (DOMAIN.md §2.1): shared by every facility, so only a global
    administrator changes or imports them."""

    resource_classes = [TMSReasonResource]
    list_display = ["code", "key", "label", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["code", "key", "label"]


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
    list_display = [
        "tps",
        "list_kind",
        "list_number",
        "nama",
        "status",
        "reason",
        "delivered_on",
        "delivered_by",
    ]
    list_filter = ["status", "reason", "election"]
    search_fields = ["nama"]


@admin.register(PollingCheckIn)
class PollingCheckInAdmin(TpsScopedReadOnlyAdmin):
    list_display = ["tps", "list_kind", "list_number", "nama", "voted_at", "by", "undone_at"]
    list_filter = ["list_kind", "is_dpk_addition", "election"]
    search_fields = ["nama"]


# -- KPU voter lists: read-only here; they change only by importing a KPU file ---------------


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


class UsernameScopedMixin(ScopedRowsMixin):
    """Log-in records of an admin's own facility's users only (others: global admins)."""

    def scope(self, qs, user):
        return qs.filter(
            username__in=User.objects.filter(facility_id=user.facility_id).values("username")
        )


for _model, _admin_class in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(
        _model, type(_admin_class.__name__, (UsernameScopedMixin, _admin_class), {})
    )


class ScopedTOTPDeviceAdmin(ScopedRowsMixin, ScopedChoicesMixin, TOTPDeviceAdmin):
    """Second-factor devices of the facility's own users. Their secret keys and QR codes are
    never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA): those views fetch any device unscoped."""

    def scope(self, qs, user):
        return qs.filter(user__facility_id=user.facility_id)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, ScopedTOTPDeviceAdmin)
