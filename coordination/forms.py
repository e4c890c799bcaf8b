from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.models import ActionItem, Attachment, Attendee, Contact, Institution, Meeting
from coordination.services import institutions_of
from voters.core.concurrency import VersionedModelForm, version_field
from voters.inmates.forms import IsoDateInput
from voters.models import Election

DATE = IsoDateInput()
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def elections_for(user):
    """Elections with a TPS in the user's facilities; all of them if there is none yet."""
    qs = Election.objects.filter(tps_set__facility__in=user.facilities()).distinct()
    return qs if qs.exists() else Election.objects.all()


def with_current(institutions, current_id):
    """The active institutions, plus the one already chosen even if it was hidden since."""
    if not current_id:
        return institutions
    return Institution.objects.filter(Q(pk__in=institutions.values("pk")) | Q(pk=current_id))


class MeetingForm(VersionedModelForm):
    attending = forms.ModelMultipleChoiceField(
        label=_("Instansi yang hadir"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Satu baris peserta per instansi; nama dan jabatan dapat dilengkapi nanti."),
    )

    class Meta:
        model = Meeting
        fields = [
            "facility",
            "election",
            "stage",
            "title",
            "date",
            "start_time",
            "end_time",
            "venue",
            "organiser",
            "chair_name",
            "chair_title",
            "minute_taker",
            "invitation_reference",
            "invitation_date",
            "agenda",
            "minutes",
        ]
        widgets = {
            "date": DATE,
            "invitation_date": DATE,
            "start_time": TIME,
            "end_time": TIME,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        facilities = user.facilities()
        if self.instance.pk or facilities.count() == 1:
            del self.fields["facility"]
            if not self.instance.pk:
                self.instance.facility = facilities.get()
            institutions = institutions_of(self.instance.facility)
        else:
            self.fields["facility"].queryset = facilities
            for facility in facilities:
                institutions_of(facility)
            institutions = Institution.objects.for_user(user).active().select_related("facility")
        self.fields["election"].queryset = elections_for(user)
        self.fields["organiser"].queryset = with_current(institutions, self.instance.organiser_id)
        if self.instance.pk:
            del self.fields["attending"]
        else:
            self.fields["attending"].queryset = institutions
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("title", _("Rapat Koordinasi "))
            elections = self.fields["election"].queryset
            if elections.count() == 1:
                self.initial.setdefault("election", elections.get().pk)

    def clean(self):
        data = super().clean()
        facility = data.get("facility") or getattr(self.instance, "facility", None)
        chosen = [data.get("organiser"), *data.get("attending", [])]
        if facility and any(i and i.facility_id != facility.pk for i in chosen):
            raise forms.ValidationError(_("Pilih instansi dari UPT rapat ini."))
        return data


class AttendeeForm(forms.ModelForm):
    class Meta:
        model = Attendee
        fields = ["contact", "name", "institution", "position", "role"]

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(
            facility=facility, is_active=True
        ).select_related("institution")
        self.fields["contact"].help_text = _("Pilih dari kontak untuk mengisi nama dan jabatan.")
        self.fields["institution"].queryset = institutions_of(facility)

    def clean(self):
        data = super().clean()
        contact = data.get("contact")
        if contact:
            data["name"] = data.get("name") or contact.name
            data["institution"] = data.get("institution") or contact.institution
            data["position"] = data.get("position") or contact.position
        # "a name or an institution" is the model's rule (Attendee.clean): one message, once.
        return data


class InstitutionsAttendingForm(forms.Form):
    institutions = forms.ModelMultipleChoiceField(
        label=_("Instansi yang hadir"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, facility, present=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = institutions_of(facility).exclude(pk__in=present)


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Keputusan/kesepakatan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class DecisionEditForm(DecisionForm):
    version = version_field()


class ActionItemForm(VersionedModelForm):
    milestone = forms.ChoiceField(
        label=_("atau tenggat pemilihan"),
        required=False,
        help_text=_("Mengisi batas waktu dengan tanggal tenggat yang dipilih."),
    )
    references = forms.CharField(
        label=_("Rujukan (WBP, butir rekonsiliasi, surat)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Satu rujukan per baris, mis. nomor registrasi WBP. Jangan tulis NIK."),
    )

    class Meta:
        model = ActionItem
        fields = ["decision", "title", "detail", "owner_institution", "owner_name", "due_date"]
        widgets = {"due_date": DATE, "detail": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        if not self.instance.pk:
            self.instance.meeting = meeting
        self.fields["decision"].queryset = meeting.decisions.all()
        self.fields["owner_institution"].queryset = with_current(
            institutions_of(meeting.facility), self.instance.owner_institution_id
        )
        self.fields["due_date"].required = False
        self.deadlines = {code: day for code, _label, day in meeting.election.deadlines()}
        self.fields["milestone"].choices = [("", "—")] + [
            (code, f"{code} · {label} ({day:%d-%m-%Y})")
            for code, label, day in meeting.election.deadlines()
        ]
        if self.instance.pk:
            free = self.instance.links.filter(content_type__isnull=True)
            self.initial["references"] = "\n".join(free.values_list("label", flat=True))

    def clean(self):
        data = super().clean()
        milestone = data.get("milestone")
        if milestone and not data.get("due_date"):
            data["due_date"] = self.deadlines.get(milestone)
            self.instance.due_date = data["due_date"]
        if not data.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_date", _("Isi batas waktu atau pilih tenggat pemilihan."))
        return data

    def reference_list(self):
        lines = self.cleaned_data.get("references", "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
    outcome = forms.CharField(
        label=_("Hasil/catatan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    version = version_field()

    def clean(self):
        data = super().clean()
        if data.get("status") == ActionItem.Status.CANCELLED and not data.get("outcome"):
            self.add_error("outcome", _("Tulis alasan pembatalan."))
        return data


class AttachmentForm(forms.ModelForm):
    file = forms.FileField(label=_("Berkas (JPEG, PNG atau PDF)"))

    class Meta:
        model = Attachment
        fields = ["file", "kind", "title", "restricted"]


class InstitutionForm(VersionedModelForm):
    class Meta:
        model = Institution
        fields = ["name", "short_name", "kind", "position", "is_active"]

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.facility = facility

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Institution.objects.filter(facility=self.instance.facility, name__iexact=name)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Instansi dengan nama ini sudah ada."))
        return name


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = ["institution", "name", "position", "phone", "email", "notes", "is_active"]

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.facility = facility
        self.fields["institution"].queryset = institutions_of(facility, active_only=False)
