"""Forms for the KPU voter lists: uploads by the KPU liaison and the searches."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from voters.inmates.forms import IsoDateInput, UploadForm
from voters.models import TPS, Election, ListKind
from voters.reconciliation.selectors import elections_for
from voters.rules import nik as nik_rules


class VoterListUploadForm(UploadForm):
    tps = forms.ModelChoiceField(label=_("TPS"), queryset=TPS.objects.none())
    kind = forms.ChoiceField(label=_("Jenis daftar"), choices=ListKind.choices)
    field_order = ["tps", "kind", "file"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, max_bytes=settings.MAX_UPLOAD_BYTES, **kwargs)
        field = self.fields["tps"]
        field.queryset = (
            user.tps_queryset()
            .select_related("election", "facility")
            .order_by("-election__polling_date", "number")
        )
        field.label_from_instance = lambda t: f"TPS {t.number} — {t.election.name} ({t.facility})"


class ReferenceUploadForm(UploadForm):
    election = forms.ModelChoiceField(label=_("Pemilihan"), queryset=Election.objects.none())
    field_order = ["election", "file"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, max_bytes=settings.MAX_REFERENCE_UPLOAD_BYTES, **kwargs)
        self.fields["election"].queryset = elections_for(user).order_by("-polling_date")


class ListSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari nama atau NIK"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ReferenceSearchForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK (16 digit)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    nama = forms.CharField(label=_("Nama"), required=False, max_length=100)
    tanggal_lahir = forms.DateField(
        label=_("Tanggal lahir"),
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=IsoDateInput(),
    )

    def clean_nik(self):
        raw = self.cleaned_data["nik"]
        if not raw:
            return ""
        value = nik_rules.clean(raw)
        if len(value) != 16 or not value.isdigit():
            raise forms.ValidationError(_("NIK harus 16 digit."))
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("nik") and not data.get("tanggal_lahir"):
            raise forms.ValidationError(_("Isi NIK, atau tanggal lahir (dengan atau tanpa nama)."))
        return data


class MaskedReferenceSearchForm(forms.Form):
    """The reference search of a role that sees NIKs masked: by name and birth year only, so
    that no search can reveal a hidden NIK digit or an exact birth date (SECURITY.md check 30)."""

    nama = forms.CharField(label=_("Nama"), max_length=100, min_length=3)
    tahun_lahir = forms.IntegerField(
        label=_("Tahun lahir"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def reference_search_form(user, data=None):
    """The reference search form this user may use."""
    if user.sees_full_nik:
        return ReferenceSearchForm(data)
    return MaskedReferenceSearchForm(data)
