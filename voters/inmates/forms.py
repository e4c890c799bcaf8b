"""Forms for the roster, imports and the NIK lifecycle."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from voters.models import CustodyEvent, Inmate, NikStatus

UPLOAD_EXTENSIONS = (".csv", ".xlsx", ".xls")


class IsoDateInput(forms.DateInput):
    """The browser's date picker: it reads and sends YYYY-MM-DD whatever the locale's own
    date format (dd-mm-yyyy here), so its value must be ISO or it shows blank."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas (.csv atau .xlsx)"))

    def __init__(self, *args, max_bytes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes or settings.MAX_UPLOAD_BYTES

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(UPLOAD_EXTENSIONS):
            raise forms.ValidationError(_("Hanya berkas .csv atau .xlsx yang dapat diimpor."))
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(size)s MB); batasnya %(max)s MB.")
                % {
                    "size": round(upload.size / 1048576, 1),
                    "max": round(self.max_bytes / 1048576, 1),
                }
            )
        return upload


class RosterFilterForm(forms.Form):
    CUSTODY = [
        ("", _("Semua")),
        ("inside", _("Di dalam hari ini")),
        ("expected", _("Masih di dalam pada hari pemungutan")),
        ("leaving", _("Keluar sebelum hari pemungutan")),
        ("left", _("Sudah keluar")),
    ]
    ELIGIBILITY = [("", _("Semua")), ("yes", _("Memenuhi syarat")), ("no", _("TMS"))]

    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("nama, no. registrasi"), "type": "search"}),
    )
    custody = forms.ChoiceField(label=_("Status penahanan"), choices=CUSTODY, required=False)
    nik_status = forms.ChoiceField(
        label=_("Status NIK"), required=False, choices=[("", _("Semua")), *NikStatus.choices]
    )
    blok = forms.ChoiceField(label=_("Blok"), required=False, choices=[])
    eligibility = forms.ChoiceField(label=_("Hak pilih"), choices=ELIGIBILITY, required=False)

    def __init__(self, *args, blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blok"].choices = [("", _("Semua")), *[(b, b) for b in blocks]]


class NikStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Status baru"), choices=NikStatus.choices)
    evidence = forms.CharField(
        label=_("Bukti / keterangan"),
        max_length=300,
        help_text=_("mis. nomor surat Dukcapil, tanggal perekaman"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CustodyEventForm(forms.Form):
    KINDS = [
        (k, label)
        for k, label in CustodyEvent.Kind.choices
        if k not in (CustodyEvent.Kind.ADMISSION, CustodyEvent.Kind.RECLASSIFIED)
    ]
    kind = forms.ChoiceField(label=_("Peristiwa"), choices=KINDS)
    date = forms.DateField(label=_("Tanggal"), widget=IsoDateInput())
    reference = forms.CharField(
        label=_("Nomor putusan / berita acara"), max_length=200, required=False
    )
    detail = forms.CharField(label=_("Keterangan"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DukcapilRequestForm(forms.Form):
    inmates = forms.ModelMultipleChoiceField(
        queryset=Inmate.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reference = forms.CharField(label=_("Nomor surat permintaan"), max_length=100, required=False)

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["inmates"].queryset = queryset
