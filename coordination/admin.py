import pghistory.models
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from coordination.models import (
    ActionItem,
    ActionItemLink,
    Attachment,
    Attendee,
    Contact,
    Decision,
    Institution,
    Meeting,
    MeetingFigure,
)
from coordination.resources import ContactResource, InstitutionResource
from voters.admin import (
    FacilityScopedAdmin,
    ScopedChoicesMixin,
    ScopedInline,
    ScopedRowsMixin,
    facility_path,
    is_global_admin,
)
from voters.admin_resources import AuditedImportExportMixin


@admin.register(Institution)
class InstitutionAdmin(
    AuditedImportExportMixin, ScopedRowsMixin, ScopedChoicesMixin, admin.ModelAdmin
):
    """The catalogue (no facility) is edited by a global administrator; a facility's
    administrator edits that facility's own copies (and imports into them only)."""

    resource_classes = [InstitutionResource]

    list_display = ["name", "short_name", "kind", "facility", "position", "is_active"]
    list_filter = ["kind", "is_active", ("facility", admin.EmptyFieldListFilter)]
    search_fields = ["name", "short_name"]
    list_editable = ["position", "is_active"]
    readonly_fields = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("facility")

    def scope(self, qs, user):
        return qs.filter(facility_id=user.facility_id)

    def get_readonly_fields(self, request, obj=None):
        if is_global_admin(request.user):
            return self.readonly_fields
        return [*self.readonly_fields, "facility"]

    def save_model(self, request, obj, form, change):
        if not is_global_admin(request.user):
            obj.facility_id = request.user.facility_id
        super().save_model(request, obj, form, change)


@admin.register(Contact)
class ContactAdmin(AuditedImportExportMixin, FacilityScopedAdmin):
    resource_classes = [ContactResource]
    list_display = ["name", "institution", "position", "phone", "facility", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "position", "institution__name"]
    autocomplete_fields = ["institution"]


class AttendeeInline(ScopedInline):
    model = Attendee
    extra = 0
    fields = ["name", "institution", "position", "role"]
    autocomplete_fields = ["institution"]


class DecisionInline(ScopedInline):
    model = Decision
    extra = 0


class FigureInline(ScopedInline):
    model = MeetingFigure
    extra = 0
    fields = ["label", "value"]
    readonly_fields = ["label", "value"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(FacilityScopedAdmin):
    list_display = ["date", "title", "stage", "facility", "election"]
    list_filter = ["stage", "election"]
    search_fields = ["title", "venue"]
    date_hierarchy = "date"
    readonly_fields = ["figures_taken_at", "figures_on", "created_by", "created_at"]
    autocomplete_fields = ["organiser"]
    inlines = [FigureInline, AttendeeInline, DecisionInline]


class LinkInline(ScopedInline):
    model = ActionItemLink
    extra = 0
    fields = ["content_type", "object_id", "label"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            # Links name rows a facility owns (inmates, list entries …); the form checks that
            # the row is of the action item's facility.
            kinds = [
                ContentType.objects.get_for_model(model).pk
                for model in apps.get_models()
                if model._meta.app_label in ("voters", "coordination")
                and not issubclass(model, pghistory.models.Event)
                and facility_path(model)
            ]
            kwargs["queryset"] = ContentType.objects.filter(pk__in=kinds)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ActionItemAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        decision, meeting = data.get("decision"), data.get("meeting")
        if decision and meeting and decision.meeting_id != meeting.pk:
            self.add_error("decision", _("Keputusan ini bukan dari rapat tindak lanjut ini."))
        return data


@admin.register(ActionItem)
class ActionItemAdmin(FacilityScopedAdmin):
    form = ActionItemAdminForm
    facility_path = "meeting__facility"
    list_display = ["title", "owner_institution", "due_date", "status", "meeting"]
    list_filter = ["status"]
    search_fields = ["title", "owner_name", "owner_institution__name"]
    readonly_fields = ["closed_at", "closed_by", "created_by", "created_at"]
    raw_id_fields = ["meeting", "decision"]
    autocomplete_fields = ["owner_institution"]
    inlines = [LinkInline]


@admin.register(Attachment)
class AttachmentAdmin(FacilityScopedAdmin):
    facility_path = "meeting__facility"
    list_display = ["uploaded_at", "title", "original_name", "kind", "size", "restricted", "file"]
    list_filter = ["kind", "restricted"]
    fields = [
        "meeting",
        "kind",
        "title",
        "restricted",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = [
        "meeting",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False  # uploads go through the meeting page, which checks the content

    @admin.display(description=_("berkas"))
    def file(self, obj):
        url = reverse("coordination:attachment_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("unduh"))
