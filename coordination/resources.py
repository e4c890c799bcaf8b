"""Import and export of the coordination address book in the admin (voters/admin_resources.py
has the rules: formula escaping, all or nothing, the administrator's facility)."""

from import_export import fields

from coordination.models import Contact, Institution
from voters.admin_resources import SafeResource, ScopedForeignKeyWidget, facility_field


class InstitutionResource(SafeResource):
    """A facility's institutions; for a global administrator also the catalogue (no facility).
    An administrator of a facility imports into its own facility only."""

    facility_path = "facility"
    facility = facility_field()

    class Meta(SafeResource.Meta):
        model = Institution
        fields = ["id", "name", "short_name", "kind", "facility", "position", "is_active"]


class ContactResource(SafeResource):
    """A facility's contacts; the institution is named as written in the facility's own list."""

    facility_path = "facility"
    facility = facility_field()
    institution = fields.Field(
        attribute="institution",
        column_name="institution",
        widget=ScopedForeignKeyWidget(Institution, "name", same_facility=True),
    )

    class Meta(SafeResource.Meta):
        model = Contact
        fields = [
            "id", "facility", "institution", "name", "position", "phone", "email", "notes",
            "is_active",
        ]
