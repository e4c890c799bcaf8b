"""Import and export in the admin, for the reference data an administrator keeps (README,
"Libraries and why"): django-import-export's screens, with our rules on top.

- Every exported cell goes through ``exports.escape_formula`` (SECURITY.md check 17: the
  library's own option strips only a leading ``=``); an imported cell loses that apostrophe
  again, so an exported file imports back unchanged.
- A long number typed as a number in a text column (a phone number, an NIK) is refused: the
  spreadsheet has already dropped its leading zero or its last digits (check 12).
- An import is all or nothing (check 13): one invalid row writes no row.
- Rows a facility owns (institutions, contacts, TPS) are read and written within the
  administrator's facility: its rows only are found, every row is given its facility, and a
  row naming another facility is refused. Shared rows (elections, notice templates, TMS
  reasons) are imported by a global administrator only; a facility's administrator exports
  those it sees.
- Every export and every confirmed import is recorded in the audit trail (check 25): who,
  which model, the changelist's filters, the rows and the file's SHA-256.

The large files (SDP roster, KPU lists, reference DPT) do not come here: they go through our
own measured readers (voters/readers/, bench/README.md).
"""

import hashlib
import os
import tempfile

from django.contrib import messages
from django.core.exceptions import (
    FieldDoesNotExist,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    PermissionDenied,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from voters.core import audit
from voters.core import spreadsheets as exports
from voters.models import TPS, AuditEvent, Election, Facility, NoticeTemplate, TMSReason

# The folder of PRIVATE_ROOT where an upload waits between preview and confirmation
# (import_export.tmp_storages.MediaStorage); retention.sweep_transient_files empties it.
TMP_FOLDER = "django-import-export"
SESSION_KEY = "admin_import_files"
# A number cell in a text column with this many digits or more is refused: it was a phone
# number or an identity number that the spreadsheet turned into a number.
LONG_NUMBER_DIGITS = 9
TEXT_FIELDS = (models.CharField, models.TextField)


def is_global_admin(user):
    return user.is_superuser or not user.facility_id


def unescape_formula(value):
    """The reverse of exports.escape_formula, for a file exported here and imported back."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(
        exports.FORMULA_LEADS
    ):
        return value[1:]
    return value


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related row named by a key (a code, a name), found only among the rows the importing
    administrator may pick; with ``same_facility``, only among those of the row's facility."""

    def __init__(self, model, field="pk", *, same_facility=False, **kwargs):
        self.same_facility = same_facility
        self.user = None
        super().__init__(model, field, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        from voters.admin import scoped_queryset

        qs = None if self.user is None else scoped_queryset(self.user, self.model)
        if qs is None:
            qs = self.model._default_manager.all()
        if self.same_facility:
            qs = qs.filter(facility__code=(row or {}).get("facility") or "")
        return qs

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ObjectDoesNotExist:
            raise ValueError(
                gettext("“%(value)s” tidak ditemukan di antara %(model)s yang dapat Anda pilih.")
                % {"value": value, "model": self.model._meta.verbose_name_plural}
            ) from None
        except MultipleObjectsReturned:
            raise ValueError(
                gettext("“%(value)s” menunjuk lebih dari satu %(model)s.")
                % {"value": value, "model": self.model._meta.verbose_name}
            ) from None


def facility_field():
    return fields.Field(
        attribute="facility",
        column_name="facility",
        widget=ScopedForeignKeyWidget(Facility, "code"),
    )


def election_field():
    return fields.Field(
        attribute="election",
        column_name="election",
        widget=ScopedForeignKeyWidget(Election, "code"),
    )


class SafeResource(resources.ModelResource):
    """The base of every admin resource: formula escaping, text kept text, all or nothing,
    and the importing administrator's scope."""

    # Rows owned by a facility (the lookup to it); None for shared rows.
    facility_path = None

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user = kwargs.get("user")
        for field in self.fields.values():
            if isinstance(field.widget, ScopedForeignKeyWidget):
                field.widget.user = self.user

    # -- scope -----------------------------------------------------------------------------

    @property
    def is_global(self):
        return self.user is None or is_global_admin(self.user)

    def get_queryset(self):
        """The rows an import may find and update: the administrator's own only."""
        from voters.admin import scoped_queryset

        qs = None if self.user is None else scoped_queryset(self.user, self._meta.model)
        return qs if qs is not None else super().get_queryset()

    @classmethod
    def may_import(cls, user):
        return cls.facility_path is not None or is_global_admin(user)

    # -- import ----------------------------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        if not self.may_import(self.user):
            raise PermissionDenied
        super().before_import(dataset, **kwargs)

    def _text_columns(self):
        names = set()
        for field in self.get_import_fields():
            try:
                model_field = self._meta.model._meta.get_field(field.attribute or "")
            except FieldDoesNotExist:  # a computed column (election__polling_date)
                continue
            if isinstance(model_field, TEXT_FIELDS):
                names.add(field.column_name)
        return names

    def before_import_row(self, row, **kwargs):
        text_columns = self._text_columns()
        errors = {}
        for column, value in list(row.items()):
            value = unescape_formula(value)
            if column in text_columns and isinstance(value, (int, float)) and not isinstance(
                value, bool
            ):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                digits = len(str(abs(value)).replace(".", ""))
                if digits >= LONG_NUMBER_DIGITS:
                    errors[column] = gettext(
                        "Angka %(digits)s digit di kolom teks: simpan kolom ini sebagai teks "
                        "(angka nol di depan atau digit terakhir sudah hilang)."
                    ) % {"digits": digits}
                    continue
                value = str(value)
            row[column] = value
        if self.facility_path == "facility" and not self.is_global:
            own = self.user.facility.code
            named = row.get("facility")
            if named in (None, ""):
                row["facility"] = own
            elif str(named).strip() != own:
                errors["facility"] = gettext(
                    "Baris ini menyebut UPT lain (%(named)s); Anda hanya dapat mengimpor untuk "
                    "UPT Anda sendiri (%(own)s)."
                ) % {"named": named, "own": own}
        if errors:
            raise DjangoValidationError(errors)
        super().before_import_row(row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        from voters.admin import facility_id_of

        if (
            self.facility_path is not None
            and not self.is_global
            and facility_id_of(instance) != self.user.facility_id
        ):
            raise DjangoValidationError(
                {"facility": gettext("Baris ini bukan milik UPT Anda.")}
            )
        if not instance._state.adding and hasattr(instance, "version"):
            instance.version += 1  # voters/core/concurrency.py: an open edit page sees the change
        super().before_save_instance(instance, row, **kwargs)

    # -- export ----------------------------------------------------------------------------

    def export_field(self, field, instance, **kwargs):
        return exports.escape_formula(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields=None):
        return [exports.escape_formula(h) for h in super().get_export_headers(selected_fields)]


# -- voters' reference data ----------------------------------------------------------------


class ElectionResource(SafeResource):
    """An election's calendar: polling day, the deadlines (days before, and the dates they
    give) and the voting hours. The dates are for reading: an import sets the days."""

    dptb_deadline_general = fields.Field(column_name="tanggal_batas_dptb_umum", readonly=True)
    dptb_deadline_detainee = fields.Field(
        column_name="tanggal_batas_dptb_tahanan", readonly=True
    )
    letter_deadline = fields.Field(column_name="tanggal_batas_surat", readonly=True)
    letter_request_deadline = fields.Field(
        column_name="tanggal_batas_minta_surat", readonly=True
    )

    @staticmethod
    def _days_before(election, days):
        # ISO text in both formats; nothing for a row being imported without its day yet.
        if not election.polling_date or days is None:
            return ""
        return election.days_before(days).isoformat()

    def dehydrate_dptb_deadline_general(self, election):
        return self._days_before(election, election.dptb_general_days)

    def dehydrate_dptb_deadline_detainee(self, election):
        return self._days_before(election, election.dptb_special_days)

    def dehydrate_letter_deadline(self, election):
        return self._days_before(election, election.letter_days)

    def dehydrate_letter_request_deadline(self, election):
        return self._days_before(election, election.letter_request_days)

    class Meta(SafeResource.Meta):
        model = Election
        import_id_fields = ["code"]
        fields = [
            "code", "name", "kind", "polling_date", "region_code", "races",
            "dptb_general_days", "dptb_special_days", "letter_days", "letter_request_days",
            "dptb_deadline_general", "dptb_deadline_detainee", "letter_deadline",
            "letter_request_deadline",
            "voting_start", "voting_end", "dptb_start", "dpk_start", "time_zone_label",
            "retention_days",
        ]


class TPSResource(SafeResource):
    """The facility's polling stations, with their election's day and hours (for reading)."""

    facility_path = "facility"
    election = election_field()
    facility = facility_field()
    polling_date = fields.Field(
        attribute="election__polling_date", column_name="hari_pemungutan", readonly=True,
        widget=widgets.DateWidget(),
    )
    voting_start = fields.Field(
        attribute="election__voting_start", column_name="mulai", readonly=True,
        widget=widgets.TimeWidget(),
    )
    voting_end = fields.Field(
        attribute="election__voting_end", column_name="akhir", readonly=True,
        widget=widgets.TimeWidget(),
    )

    class Meta(SafeResource.Meta):
        model = TPS
        import_id_fields = ["election", "number"]
        fields = [
            "election", "number", "facility", "capacity", "address",
            "polling_date", "voting_start", "voting_end",
        ]


class NoticeTemplateResource(SafeResource):
    election = election_field()

    class Meta(SafeResource.Meta):
        model = NoticeTemplate
        import_id_fields = ["election"]
        fields = [
            "election", "form_name", "text_confirmed", "title", "election_title", "opening",
            "notes", "ballot_instructions", "warning", "signature_title", "signature_place",
            "arrival_windows",
        ]


class TMSReasonResource(SafeResource):
    class Meta(SafeResource.Meta):
        model = TMSReason
        import_id_fields = ["key"]
        fields = ["key", "code", "label", "confirmed"]


# -- the admin side ------------------------------------------------------------------------


class CheckedXLSX(base_formats.XLSX):
    """XLSX imports pass the same archive checks as every other upload (SECURITY.md checks 10,
    11, 31) before openpyxl opens them, and openpyxl reads with defusedxml."""

    def create_dataset(self, in_stream):
        from voters.core.spreadsheets import check_defusedxml
        from voters.core.uploads import xlsx_limits
        from voters.readers.xlsx_guard import check_xlsx_archive

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            handle.write(in_stream)
            handle.flush()
            check_xlsx_archive(handle.name, limits=xlsx_limits())
        check_defusedxml()
        return super().create_dataset(in_stream)


def _tmp_storage(admin, name):
    return admin.get_tmp_storage_class()(
        name=os.path.basename(name), read_mode="rb", **admin.get_tmp_storage_class_kwargs()
    )


class AuditedImportExportMixin(ImportExportMixin):
    """django-import-export's import and export buttons, with: CSV and XLSX only; import only
    for an administrator who may add and change the rows (shared rows: a global administrator);
    export only of the changelist's rows (already the facility's) and only with the view
    permission; the confirmed file must be the one this user previewed, unchanged; every export
    and every confirmed import is audited."""

    import_formats = [base_formats.CSV, CheckedXLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]
    to_encoding = "utf-8-sig"  # Excel reads a UTF-8 CSV with its BOM, as our own exports

    # -- permissions -----------------------------------------------------------------------

    def has_import_permission(self, request):
        return (
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
            and all(cls.may_import(request.user) for cls in self.resource_classes)
        )

    def has_export_permission(self, request):
        return super().has_export_permission(request) and self.has_view_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        kwargs["user"] = request.user
        return kwargs

    # -- import ----------------------------------------------------------------------------

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        from voters.readers.cells import FileRejected

        if isinstance(e, FileRejected):
            form.add_error("import_file", e.reason)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        name = initial.get("import_file_name")
        if name:
            # The confirmation must carry this file, unchanged (SECURITY.md check 14).
            data = _tmp_storage(self, name).read()
            pending = request.session.get(SESSION_KEY, {})
            pending[os.path.basename(name)] = {
                "model": self.model._meta.label,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            request.session[SESSION_KEY] = pending
        return initial

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form else None
        name = getattr(upload, "tmp_storage_name", None)
        if name and "confirm_form" not in context:
            _tmp_storage(self, name).remove()  # refused at preview: nothing to confirm
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        name = os.path.basename(request.POST.get("import_file_name", ""))
        pending = request.session.get(SESSION_KEY, {})
        expected = pending.pop(name, None) if name else None
        request.session[SESSION_KEY] = pending
        if expected is None or expected["model"] != self.model._meta.label:
            raise PermissionDenied  # not a file this user previewed here
        storage = _tmp_storage(self, name)
        try:
            data = storage.read()
        except OSError:
            data = None
        sha256 = hashlib.sha256(data).hexdigest() if data is not None else ""
        if sha256 != expected["sha256"]:
            if data is not None:
                storage.remove()
            messages.error(
                request,
                gettext("Berkas pratinjau sudah berubah atau kedaluwarsa; unggah ulang."),
            )
            return HttpResponseRedirect(self._import_url())
        request.admin_import = {
            "sha256": sha256,
            "file_name": request.POST.get("original_file_name", "")[:200],
        }
        return super().process_import(request, **kwargs)

    def _import_url(self):
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )

    def process_result(self, result, request):
        totals = {key: count for key, count in result.totals.items() if count}
        failed = result.has_errors() or result.has_validation_errors()
        info = getattr(request, "admin_import", {})
        self._audit(
            request,
            AuditEvent.Action.IMPORT,
            summary=f"Impor admin {self.model._meta.verbose_name_plural}: "
            f"{info.get('file_name', '')}",
            kind="admin_import",
            detail={"file_name": info.get("file_name", ""), "totals": totals},
            row_count=result.total_rows,
            sha256=info.get("sha256", ""),
            result="failed" if failed else "ok",
        )
        if failed:  # rolled back: nothing was written
            messages.error(
                request,
                gettext("Impor dibatalkan: ada baris yang tidak sah; tidak ada yang disimpan."),
            )
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    # -- export ----------------------------------------------------------------------------

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        request.admin_export_rows = len(dataset)
        return dataset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        if isinstance(data, str):
            data = data.encode(self.to_encoding or "utf-8")
        query = request.GET.copy()
        query.pop("_changelist_filters", None)
        self._audit(
            request,
            AuditEvent.Action.EXPORT,
            summary=f"Ekspor admin {self.model._meta.verbose_name_plural} "
            f"({file_format.get_title()})",
            kind="admin_export",
            detail={
                "format": file_format.get_extension(),
                "filter": query.urlencode()[:500],
                "items": len(request.POST.getlist("export_items")),
            },
            row_count=getattr(request, "admin_export_rows", None),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return data

    def _audit(self, request, action, *, summary, kind, detail, **fields):
        """An admin import or export in the audit trail: under the admin's facility, naming
        the model by its label."""
        audit.record(
            action,
            request=request,
            facility=request.user.facility,
            summary=summary,
            detail={"kind": kind, "model": self.model._meta.label, **detail},
            **fields,
        )

