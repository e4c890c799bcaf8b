"""Plain explanations of the terms the pages use, for a prison officer who is not an election
specialist. The glossary page lists them all; ``{% term "DPTb" %}`` puts one on hover (and a
link to the page) wherever a short code appears."""

from django.utils.translation import gettext_lazy as _

from voters.reconciliation.models import CATEGORY_ACTIONS, Category, Tindakan

# term -> (long name, what it means for the rutan), grouped for the glossary page. Terms are
# the short forms printed on the pages and on KPU forms, so they are not translated.
GROUPS = [
    (
        _("Orang dan lembaga"),
        {
            "WBP": (
                _("Warga Binaan Pemasyarakatan"),
                _("Tahanan dan narapidana yang tinggal di rutan atau lapas."),
            ),
            "KPU": (
                _("Komisi Pemilihan Umum"),
                _("Penyelenggara pemilihan. KPU kabupaten/kota menetapkan daftar pemilih."),
            ),
            "KPPS": (
                _("Kelompok Penyelenggara Pemungutan Suara"),
                _("Petugas TPS. Di TPS rutan, KPPS biasanya petugas rutan sendiri."),
            ),
            "Bawaslu": (
                _("Badan Pengawas Pemilihan Umum"),
                _("Pengawas pemilihan. Di aplikasi ini hanya membaca; NIK tampil tersamar."),
            ),
            "Dukcapil": (
                _("Dinas Kependudukan dan Pencatatan Sipil"),
                _("Memeriksa NIK dan merekam KTP-el WBP yang belum punya."),
            ),
            "SDP": (
                _("Sistem Database Pemasyarakatan"),
                _("Data WBP rutan. Ekspornya (.xlsx atau .csv) diimpor di menu Impor SDP."),
            ),
        },
    ),
    (
        _("Identitas"),
        {
            "NIK": (
                _("Nomor Induk Kependudukan"),
                _("16 angka di KTP-el. Syarat utama untuk memilih."),
            ),
            "NKK": (_("Nomor Kartu Keluarga"), _("16 angka di Kartu Keluarga.")),
            "KTP-el": (
                _("Kartu Tanda Penduduk elektronik"),
                _("WBP tanpa KTP-el perlu perekaman oleh Dukcapil sebelum hari pemungutan."),
            ),
            "NIK tersamar": (
                _("NIK yang sebagian angkanya diganti bintang"),
                _(
                    "Contoh 331601**********. KPU membagikan daftar seperti ini; "
                    "aplikasi mencocokkannya dengan nama dan tanggal lahir."
                ),
            ),
        },
    ),
    (
        _("Daftar pemilih"),
        {
            "TPS": (
                _("Tempat Pemungutan Suara"),
                _("TPS di dalam rutan disebut TPS Lokasi Khusus (TPS Loksus)."),
            ),
            "DPT": (
                _("Daftar Pemilih Tetap"),
                _("Daftar pemilih yang ditetapkan KPU untuk sebuah TPS."),
            ),
            "DPTb": (
                _("Daftar Pemilih Tambahan"),
                _(
                    "Pemilih yang sudah ada di DPT tempat lain lalu pindah memilih ke TPS "
                    "rutan, misalnya WBP yang baru masuk."
                ),
            ),
            "DPK": (
                _("Daftar Pemilih Khusus"),
                _(
                    "Orang yang berhak memilih tetapi tidak ada di DPT atau DPTb. Ia hanya "
                    "boleh memilih di TPS sesuai alamat KTP-el, pada jam terakhir."
                ),
            ),
            "DPT rujukan": (
                _("DPT seluruh kabupaten/kota"),
                _("Dipakai untuk mencari di TPS mana WBP baru terdaftar."),
            ),
            "Pindah memilih": (
                _("Mengurus agar pemilih memilih di TPS lain"),
                _("WBP yang terdaftar di TPS asal diajukan pindah ke TPS rutan paling lambat H-7."),
            ),
            "MS": (_("Memenuhi syarat"), _("Berhak memilih pada pemilihan ini.")),
            "Rekonsiliasi": (
                _("Pencocokan data WBP dengan daftar pemilih KPU"),
                _(
                    "Setiap WBP dan setiap nama di daftar TPS mendapat satu kategori "
                    "beserta tindakan yang perlu diambil (lihat di bawah)."
                ),
            ),
            "C.Pemberitahuan": (
                _("Surat pemberitahuan memilih"),
                _(
                    "Surat untuk setiap pemilih: kapan dan di TPS mana ia "
                    "memilih. Dibagikan paling lambat H-3."
                ),
            ),
            "Model A": (
                _("Formulir Model A-Daftar Pemilih"),
                _("Bentuk cetak daftar pemilih dari KPU."),
            ),
        },
    ),
    (
        _("Tenggat"),
        {
            "H": (_("Hari pemungutan suara"), _("Hari WBP memilih di TPS rutan.")),
            "H-30": (
                _("Tiga puluh hari sebelum hari pemungutan"),
                _("Batas umum pengajuan pindah memilih."),
            ),
            "H-7": (
                _("Tujuh hari sebelum hari pemungutan"),
                _("Batas pengajuan pindah memilih bagi tahanan dan terpidana."),
            ),
            "H-3": (
                _("Tiga hari sebelum hari pemungutan"),
                _("Batas surat pemberitahuan (C.Pemberitahuan) sudah sampai ke pemilih."),
            ),
            "H-1": (
                _("Sehari sebelum hari pemungutan"),
                _("Batas pemilih meminta surat pemberitahuan ke KPPS."),
            ),
        },
    ),
]

# The reconciliation's result categories: their label and the action each asks for.
CATEGORIES = {c.value: (c.label, CATEGORY_ACTIONS[c]) for c in Category}
CATEGORY_GROUP = (_("Hasil rekonsiliasi (pencocokan data WBP dengan daftar KPU)"), CATEGORIES)

# The next thing to do for a row (CONTRACT.md "tindakan"), judged on the run's date.
TINDAKAN_WHY = {
    "LAPOR_KPU": _("Nama ini ada di daftar TPS tetapi tidak seharusnya: beri tahu KPU."),
    "PERIKSA": _("Kecocokan belum pasti: petugas memutuskan di antrean pemeriksaan."),
    "REKAM_KTP": _("Perlu perekaman KTP-el oleh Dukcapil sebelum dapat didaftarkan."),
    "USUL_DPT": _("DPT belum ditetapkan: usulkan orang ini masuk DPT TPS lokasi khusus."),
    "USUL_DPTB": _("DPT sudah ditetapkan: ajukan pindah memilih (DPTb) sebelum batas H-7."),
    "CARI_DPT": _("Tidak ditemukan di daftar mana pun: minta KPU mencarinya di data nasional."),
    "LEWAT_BATAS": _("Batas H-7 sudah lewat: TPS ini tidak dapat lagi menerima orang ini."),
    "KONFIRMASI_PENAHANAN": _(
        "Masa penahanan berakhir sebelum atau pada hari pemungutan: pastikan perpanjangannya."
    ),
}
TINDAKAN = {t.value: (t.label, TINDAKAN_WHY[t.value]) for t in Tindakan if t.value}
TINDAKAN_GROUP = (_("Tindakan (langkah berikutnya untuk setiap baris rekonsiliasi)"), TINDAKAN)

TERMS = {code: meaning for _title, terms in GROUPS for code, meaning in terms.items()}
TERMS.update(CATEGORIES)
# USUL_DPTB names both a category and a tindakan: the category's entry stays.
TERMS.update({code: meaning for code, meaning in TINDAKAN.items() if code not in CATEGORIES})
# Spellings that appear in uploaded files and exports.
ALIASES = {"DPTB": "DPTb"}


def explain(code):
    """(long name, explanation) for a term, or None."""
    code = ALIASES.get(code, code)
    return TERMS.get(code)


def anchor(code):
    return "istilah-" + "".join(ch if ch.isalnum() else "-" for ch in str(code).lower())


# What a NIK check found (voters/rules/nik.py stores the code on the inmate), in plain words.
NIK_ISSUES = {
    "blank": _("NIK kosong"),
    "not_16_digits": _("NIK tidak 16 angka"),
    "numeric_cell": _("NIK tersimpan sebagai angka di Excel; angka terakhir bisa hilang"),
    "scientific_notation": _("NIK rusak oleh Excel (tertulis seperti 3.3160E+15)"),
    "bad_day": _("tanggal lahir pada NIK tidak sah"),
    "bad_month": _("bulan lahir pada NIK tidak sah"),
    "impossible_date": _("tanggal lahir pada NIK tidak ada di kalender"),
    "future_birth": _("tanggal lahir pada NIK ada di masa depan"),
    "future_date": _("tanggal pada Nomor KK ada di masa depan"),
    "serial_zero": _("nomor urut NIK 0000, perlu diperiksa"),
    "region_unknown": _("kode wilayah pada NIK tidak dikenal"),
    "region_not_current": _("kode wilayah pada NIK sudah tidak dipakai"),
    "district_unknown": _("kode kecamatan pada NIK tidak dikenal"),
    "birth_date_mismatch": _("tanggal lahir berbeda dengan data SDP"),
    "sex_mismatch": _("jenis kelamin berbeda dengan data SDP"),
}

# How the reconciliation matched a list entry to an inmate (voters/rules/match.py), in plain
# words.
MATCH_LAYERS = {
    "nik": _("NIK sama"),
    "masked_nik": _("NIK tersamar, angka yang terlihat sama"),
    "probable": _("nama dan tanggal lahir mirip, NIK berbeda atau kosong"),
    "decision": _("diputuskan petugas"),
}
MATCH_FIELDS = {
    "nik": _("NIK"),
    "nik_terlihat": _("angka NIK yang terlihat"),
    "nama": _("nama"),
    "tanggal_lahir": _("tanggal lahir"),
    "jenis_kelamin": _("jenis kelamin"),
}


def match_text(layer, fields):
    """'dicocokkan: NIK sama; yang sama: NIK, nama, tanggal lahir'."""
    how = MATCH_LAYERS.get(layer, layer)
    same = ", ".join(str(MATCH_FIELDS.get(f, f)) for f in fields or [])
    return f"{how}; {_('yang sama')}: {same}" if same else str(how)
