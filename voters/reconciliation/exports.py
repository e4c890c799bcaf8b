"""Exports for the KPU liaison, built from a finished reconciliation run.

Every export masks NIK/KK for roles that may not see them, escapes formula cells and is
recorded in the audit trail with who, what, how many rows and a hash of the file.
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from django.http import HttpRequest

from voters.core import audit
from voters.core import spreadsheets as exports
from voters.models import AuditEvent, Inmate, User
from voters.reconciliation.layouts import (
    A_DAFTAR_PEMILIH_LOKSUS,
    CHANGES,
    LEFT_THE_FACILITY,
    PINDAH_MEMILIH,
    RECONCILIATION,
)
from voters.reconciliation.models import Category, ReconciliationItem, ReconciliationRun
from voters.rules import custody, wilayah
from voters.rules import nik as nik_rules
from voters.rules.address import split_address
from voters.rules.eligibility import age_on
from voters.rules.lists import fill_tps, ktp_el_status, model_a_mark

NOT_VOTING = {Category.KELUAR, Category.TMS, Category.LUAR_WILAYAH, Category.TIDAK_DIKENAL}


def _nik(value, user):
    if user is None or user.sees_full_nik:
        return value or ""
    return nik_rules.mask(value or "")


def _date(value, user=None):
    """The date itself (an XLSX date cell; ISO in the CSV, see _write), or only its year, as
    text, for a role that may not see the full NIK."""
    if value is None:
        return ""
    if user is not None and not user.sees_full_nik:
        return value.strftime("%Y")
    return value


def reconciliation_rows(run: ReconciliationRun, user: User | None = None) -> Iterator[dict]:
    for item in run.items.all().order_by("position"):
        yield {
            "kategori": item.category,
            "no_registrasi": item.no_registrasi,
            "nik": _nik(item.nik, user),
            "nama": item.nama,
            "tanggal_lahir": _date(item.tanggal_lahir, user),
            "jenis_kelamin": item.jenis_kelamin,
            "daftar": item.daftar,
            "tps": item.tps,
            "surat_suara": item.surat_suara,
            "alasan": item.alasan,
            "tindakan": item.tindakan,
        }


#: What the exports print about an inmate beyond the item's own columns (nik, nama,
#: no_registrasi, tanggal_lahir, jenis_kelamin): the run keeps them on each item
#: (ReconciliationItem.inmate_snapshot), so that a run's exports never read today's roster.
INMATE_SNAPSHOT_FIELDS = ("no_kk", "tempat_lahir", "status_perkawinan", "alamat", "kode_wilayah",
                          "nik_format", "register", "nik_status")


def inmate_snapshot(inmate: Inmate) -> dict[str, str]:
    """The inmate's INMATE_SNAPSHOT_FIELDS, for the run's item about them."""
    return {name: getattr(inmate, name) or "" for name in INMATE_SNAPSHOT_FIELDS}


def _place(code: str) -> str:
    """A region's name as the KPU's files write it (upper case), '' when unknown."""
    return (wilayah.name(code) or "").upper() if code else ""


def _tms_code(key: str, default: str) -> str:
    """The TMS code of a reason as the admin keeps it (TMSReason), else ``default``."""
    from voters.models import TMSReason

    code = TMSReason.objects.filter(key=key).values_list("code", flat=True).first()
    return code or default


def _about_an_inmate(item: ReconciliationItem) -> bool:
    # The key, not inmate_id: the run's rows stay whole if an inmate is deleted later.
    return item.key.startswith("inmate:")


def _loksus_items(run: ReconciliationRun) -> list[ReconciliationItem]:
    """The rows of the Model A-Daftar Pemilih Lokasi Khusus, in the run's order."""
    return [i for i in run.items.all().order_by("position")
            if _about_an_inmate(i) and i.category not in NOT_VOTING]


def loksus_tps(run: ReconciliationRun,
               items: list[ReconciliationItem] | None = None) -> dict[int, str]:
    """{item id: TPS number} of the Model A's rows: the TPS a listed voter is on; for the voters
    on none of the facility's lists, the facility's TPSs in number order, each filled up to its
    capacity with what its lists already hold (rules.lists.fill_tps, the capacity rule of
    ``capacity_check``) before the next; '' for a voter no TPS has room for (the capacity
    check on the run's page counts them)."""
    from voters.reconciliation.services import tps_load

    items = _loksus_items(run) if items is None else items
    proposed = [item for item in items if not item.tps]
    numbers = dict(zip((item.pk for item in proposed), fill_tps(tps_load(run), len(proposed)),
                       strict=False))
    return {item.pk: item.tps or numbers.get(item.pk, "") for item in items}


def _disabilities(items: list[ReconciliationItem]) -> dict[int, int]:
    """{item id: DISABILITAS code 1-6} from the KPU list entries the item was paired with (the
    KPU's own record of it; the roster has none), in one query (issue 17)."""
    from voters.models import ListEntry

    ids = {int(e) for item in items for e in (item.entry_ids or [])}
    if not ids:
        return {}
    codes = dict(ListEntry.objects.filter(pk__in=ids, disabilitas__isnull=False)
                 .values_list("pk", "disabilitas"))
    found = {}
    for item in items:
        for entry in item.entry_ids or []:
            if codes.get(int(entry)):
                found[item.pk] = codes[int(entry)]
                break
    return found


def loksus_rows(run: ReconciliationRun, user: User | None = None) -> Iterator[dict]:
    """Voters expected inside on polling day, in the Model A-Daftar Pemilih Lokasi Khusus."""
    items = _loksus_items(run)
    tps_of = loksus_tps(run, items)
    disability = _disabilities(items)
    duplicate = _tms_code("ganda", "2")  # DOMAIN.md §2.1: 2 ganda
    for n, item in enumerate(items, start=1):
        inmate = item.inmate_snapshot
        # ALAMAT keeps the street part; RT and RW get their own columns (issue 17).
        address = split_address(inmate.get("alamat", ""))
        home = wilayah.normalize_code(inmate.get("kode_wilayah", ""))
        fields = set(item.match_fields or [])
        mark = model_a_mark(
            listed=bool(item.daftar),
            data_agrees=item.category == Category.TERDAFTAR
            and {"nama", "tanggal_lahir"} <= fields,
            duplicate_code=duplicate if item.category == Category.GANDA else "",
        )
        yield {
            "no": n, "nkk": _nik(inmate.get("no_kk"), user), "nik": _nik(item.nik, user),
            "nama": item.nama, "tempat_lahir": inmate.get("tempat_lahir", ""),
            "tanggal_lahir": _date(item.tanggal_lahir, user),
            "usia": age_on(item.tanggal_lahir, run.election.polling_date),
            "status_perkawinan": inmate.get("status_perkawinan", ""),
            "jenis_kelamin": item.jenis_kelamin, "alamat": address.street,
            "rt": address.rt, "rw": address.rw, "disabilitas": disability.get(item.pk, ""),
            "kelurahan": _place(home) if wilayah.level(home) >= 4 else "",
            "kecamatan": _place(wilayah.district_of(home)),
            "kabupaten": _place(wilayah.regency_of(home)),
            "ktp_el": ktp_el_status(inmate.get("nik_status", "")),
            "keterangan": mark,
            "tps": tps_of[item.pk],
        }


def pindah_rows(run: ReconciliationRun, user: User | None = None) -> Iterator[dict]:
    """USUL_DPTB proposals with what Formulir A-Surat Pindah Memilih needs."""
    items = list(run.items.filter(category=Category.USUL_DPTB).order_by("position"))
    # The TPS the Model A export proposes the same voter for.
    tps_of = loksus_tps(run) if items else {}
    deadline = run.election.dptb_deadline_detainee  # H-7 for people in custody
    for n, item in enumerate(items, start=1):
        if not _about_an_inmate(item):
            continue
        inmate = item.inmate_snapshot
        # Where the person is registered now: the reference DPT row's region code, else the
        # KTP-el address's (the reference file may carry no code).
        origin = item.ref.get("region") or inmate.get("kode_wilayah", "")
        yield {
            "no": n, "nik": _nik(item.nik, user), "nkk": _nik(inmate.get("no_kk"), user),
            "nama": item.nama, "tempat_lahir": inmate.get("tempat_lahir", ""),
            "tanggal_lahir": _date(item.tanggal_lahir, user),
            "jenis_kelamin": item.jenis_kelamin, "alamat": inmate.get("alamat", ""),
            "kode_wilayah": inmate.get("kode_wilayah", ""), "tps_asal": item.ref.get("tps", ""),
            "kelurahan_asal": item.ref.get("kelurahan", ""),
            "kecamatan_asal": item.ref.get("kecamatan", "")
            or _place(wilayah.district_of(origin)),
            "kabupaten_asal": _place(wilayah.regency_of(origin)),
            "provinsi_asal": _place(wilayah.province_of(origin)),
            # Filled in by hand from the voter's Model A-Tanda Bukti Terdaftar (from coklit).
            "tanda_bukti": "",
            "batas_tanggal": _date(deadline, None),
            "tps_tujuan": tps_of.get(item.pk, ""),
            "alasan_pindah": "menjalani penahanan di rutan/lapas"
            if custody.is_tahanan(inmate.get("register", "")) else "menjalani pidana penjara",
            "surat_suara": item.surat_suara, "batas_waktu": item.deadline_note,
            "no_registrasi": item.no_registrasi,
        }


def left_rows(run: ReconciliationRun, user: User | None = None) -> Iterator[dict]:
    """Listed people who left (or will leave) before polling day: the KPU must be told."""
    items = [i for i in run.items.filter(category=Category.KELUAR).order_by("position")
             if i.entry_ids]
    for n, item in enumerate(items, start=1):
        yield {
            "no": n, "nik": _nik(item.nik, user), "nama": item.nama,
            "tanggal_lahir": _date(item.tanggal_lahir, user),
            "jenis_kelamin": item.jenis_kelamin, "daftar": item.daftar, "tps": item.tps,
            "no_registrasi": item.no_registrasi, "alasan": item.alasan,
        }


def change_export_rows(run: ReconciliationRun, user: User | None = None) -> Iterator[dict]:
    """Who moved from which category to which since the previous run, who appeared, who left."""
    from voters.reconciliation.services import change_rows

    for row in change_rows(run):
        yield {
            "no_registrasi": row["no_registrasi"], "nik": _nik(row["nik"], user),
            "nama": row["nama"], "kategori_sebelum": row["from"] or "",
            "kategori": row["to"] or "", "tindakan": row["tindakan"], "alasan": row["alasan"],
        }


EXPORTS = {
    "rekonsiliasi": (RECONCILIATION, reconciliation_rows, "Rekonsiliasi"),
    "a-daftar-pemilih-loksus": (A_DAFTAR_PEMILIH_LOKSUS, loksus_rows,
                                "Model A-Daftar Pemilih Loksus"),
    "pindah-memilih": (PINDAH_MEMILIH, pindah_rows, "Usul Pindah Memilih"),
    "keluar": (LEFT_THE_FACILITY, left_rows, "Keluar dari Rutan"),
    "perubahan": (CHANGES, change_export_rows, "Perubahan sejak rekonsiliasi lalu"),
}
TEXT_COLUMNS = ["nik", "NIK", "NKK", "no_registrasi", "NO REGISTRASI WBP", "tps", "TPS",
                "TPS ASAL", "TPS TUJUAN"]


def write_export(*, run: ReconciliationRun, kind: str, fmt: str, path: str | Path,
                 user: User | None = None, request: HttpRequest | None = None) -> int:
    """Write one export of a run to `path`; returns the number of rows. Audited."""
    layout, rows_of, title = EXPORTS[kind]
    header = [h for h, _k in layout]
    rows = ([row.get(k, "") for _h, k in layout] for row in rows_of(run, user))
    count = _write(path, fmt, header, rows, title, kind=kind)
    audit.record(
        AuditEvent.Action.EXPORT, user=user, request=request, facility=run.facility, obj=run,
        summary=f"Ekspor {title} ({fmt})",
        detail={"kind": kind, "format": fmt, "election": run.election.code,
                "run": run.pk, "today": run.today.isoformat(),
                "nik": "full" if (user is None or user.sees_full_nik) else "masked"},
        row_count=count, sha256=audit.sha256_of_file(path))
    return count


def write_region_export(*, runs: list[ReconciliationRun], region: str, kind: str, fmt: str,
                        path: str | Path, user: User | None = None) -> int:
    """One export of several facilities' runs (CONTRACT.md ``export_reconciliation --region``):
    the columns of ``kind`` after one more, ``upt``, the facility's code. Audited once, with
    the runs it read."""
    layout, rows_of, title = EXPORTS[kind]
    header = ["upt", *(h for h, _k in layout)]
    rows = ([run.facility.code, *(row.get(k, "") for _h, k in layout)]
            for run in runs for row in rows_of(run, user))
    count = _write(path, fmt, header, rows, title, kind=kind)
    audit.record(
        AuditEvent.Action.EXPORT, user=user, summary=f"Ekspor {title} wilayah {region} ({fmt})",
        detail={"kind": kind, "format": fmt, "region": region,
                "runs": [run.pk for run in runs],
                "election": runs[0].election.code if runs else "",
                "nik": "full" if (user is None or user.sees_full_nik) else "masked"},
        row_count=count, sha256=audit.sha256_of_file(path))
    return count


#: The exports in the KPU's own forms, whose CSV writes dates dd-mm-yyyy as the KPU's files do
#: (issue 17); the contract's exports (rekonsiliasi, keluar, perubahan) keep ISO dates.
KPU_FORMS = frozenset({"a-daftar-pemilih-loksus", "pindah-memilih"})


def _write(path: str | Path, fmt: str, header: list[str], rows, title: str, *,
           kind: str = "") -> int:
    if fmt == "xlsx":
        count = exports.write_xlsx(path, header, rows, sheet_title=title,
                                   text_columns=TEXT_COLUMNS)
    else:
        if kind not in KPU_FORMS:  # write_csv prints dates dd-mm-yyyy
            rows = ([v.isoformat() if isinstance(v, dt.date) else v for v in row]
                    for row in rows)
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            count = exports.write_csv(handle, header, rows)
    return count
