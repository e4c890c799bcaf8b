"""Refusing a stale edit (SECURITY.md check 22): one helper for every page where two people
can edit one row (the inmate page, meetings, decisions, action items, institutions, contacts).

The row has a ``version``. A form carries the version it was opened on in a hidden field; the
save is one ``UPDATE … SET …, version = n + 1 WHERE pk = … AND version = n``. When someone
else saved in between, no row matches, nothing is written and StaleEdit is raised. On
PostgreSQL the UPDATE takes the row lock, so two saves at once are decided one after the other.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _(
    "Data ini sudah diubah orang lain sejak Anda membukanya. Perubahan Anda tidak disimpan: "
    "muat ulang halaman untuk melihat data terbaru, lalu ulangi perubahan Anda."
)


class StaleEdit(Exception):
    """The row changed since the form was opened; nothing was written."""

    def __init__(self, message=None):
        super().__init__(str(message or STALE_MESSAGE))


def version_field():
    """The hidden form field with the version the form was opened on."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionedModelForm(forms.ModelForm):
    """A model form that carries its instance's version (``cleaned_data["version"]``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"] = version_field()
            self.initial.setdefault("version", self.instance.version)

    def changed_model_fields(self):
        return [name for name in self.changed_data if name != "version"]


def save_versioned(instance, *, expected_version=None, fields=(), **changes):
    """Write ``fields`` of ``instance`` and ``changes`` only if its row is still at
    ``expected_version`` (default: the instance's), bumping the version; else StaleEdit.

    ``auto_now`` fields are set as ``save()`` would. Call it inside the transaction that holds
    the rest of the change (audit record, related rows), so that a refusal undoes all of it.
    """
    meta = instance._meta
    version = instance.version if expected_version is None else int(expected_version)
    values = {}
    for field in meta.concrete_fields:
        if getattr(field, "auto_now", False):
            values[field.attname] = field.pre_save(instance, add=False)
    for name in fields:
        field = meta.get_field(name)
        values[field.attname] = field.pre_save(instance, add=False)
    values.update(changes)
    updated = (
        type(instance)
        ._base_manager.filter(pk=instance.pk, version=version)
        .update(version=version + 1, **values)
    )
    if not updated:
        raise StaleEdit()
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version = version + 1
    return instance
