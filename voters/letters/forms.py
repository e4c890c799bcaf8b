"""Forms of the KPPS pages: letter batches, the delivery register and polling day."""

from django import forms
from django.utils.translation import gettext_lazy as _

from voters.inmates.forms import IsoDateInput
from voters.models import KskVoter, LetterDelivery
from voters.rules.eligibility import Sex


class LetterBatchForm(forms.Form):
    block = forms.ChoiceField(label=_("Blok hunian"), required=False)

    def __init__(self, *args, blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [("", _("Semua blok"))] + [(b, b) for b in blocks]


class DeliveryFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("belum", _("Belum diserahkan")),
        ("sudah", _("Sudah diterima")),
        ("tidak", _("Tidak dapat disampaikan")),
        ("semua", _("Semua")),
    ]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    blok = forms.ChoiceField(label=_("Blok"), required=False)
    q = forms.CharField(label=_("Cari nama / nomor"), required=False, max_length=100)

    def __init__(self, *args, blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blok"].choices = [("", _("Semua blok"))] + [(b, b) for b in blocks]


class DeliveryForm(forms.Form):
    key = forms.CharField(max_length=80, widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=LetterDelivery.Status.choices)
    reason = forms.ChoiceField(
        label=_("Alasan"),
        choices=[("", "—")] + list(LetterDelivery.Reason.choices),
        required=False,
    )
    proxy_name = forms.CharField(label=_("Nama penerima"), max_length=200, required=False)
    delivered_on = forms.DateField(label=_("Tanggal"), required=False,
                                   widget=IsoDateInput())
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)


class KeyForm(forms.Form):
    key = forms.CharField(max_length=80, widget=forms.HiddenInput)


class UndoForm(forms.Form):
    checkin = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Alasan pembatalan"), max_length=300, min_length=3)


class DpkForm(forms.Form):
    """A DPK voter added at the TPS: the KTP-el data, and the inmate's registration number
    when the roster has no (or an invalid) NIK."""

    nik = forms.CharField(label=_("NIK (dari KTP-el)"), max_length=40)
    nama = forms.CharField(label=_("Nama (sesuai KTP-el)"), max_length=200, required=False)
    tanggal_lahir = forms.DateField(label=_("Tanggal lahir"), required=False,
                                    widget=IsoDateInput())
    jenis_kelamin = forms.ChoiceField(
        label=_("Jenis kelamin"), choices=[("", "—"), *((sex, sex) for sex in Sex)], required=False
    )
    no_registrasi = forms.CharField(label=_("No. registrasi WBP"), max_length=60, required=False)
    kode_wilayah = forms.CharField(
        label=_("Kode wilayah alamat KTP-el"), max_length=20, required=False,
        help_text=_("Kosong = kode wilayah KTP-el di data rutan."),
    )
    alamat = forms.CharField(label=_("Alamat KTP-el"), max_length=300, required=False)
    disabilitas = forms.BooleanField(label=_("Penyandang disabilitas"), required=False)


class TimeInput(forms.TimeInput):
    """The browser's time picker: it reads and sends HH:MM."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class KskVisitForm(forms.Form):
    """The KSK visit's window and who went; ``version`` 0 while no visit is saved."""

    starts_at = forms.TimeField(label=_("Mulai kunjungan"), widget=TimeInput(),
                                input_formats=["%H:%M", "%H.%M"])
    ends_at = forms.TimeField(label=_("Selesai kunjungan"), widget=TimeInput(),
                              input_formats=["%H:%M", "%H.%M"])
    officers = forms.CharField(label=_("Yang berkunjung"), max_length=300, required=False,
                               help_text=_("Mis. 2 anggota KPPS, saksi, PTPS."))
    note = forms.CharField(label=_("Catatan kunjungan"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class KskVoterForm(forms.Form):
    """What the KSK visit found for one voter; ``version`` 0 while nothing is recorded."""

    key = forms.CharField(max_length=80, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Hasil"), choices=KskVoter.Outcome.choices)
    reason = forms.ChoiceField(label=_("Alasan tidak memilih"), required=False,
                               choices=[("", "—"), *KskVoter.Reason.choices])
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)
    visited = forms.BooleanField(label=_("Ditemui petugas"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
