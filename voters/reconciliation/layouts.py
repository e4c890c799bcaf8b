"""Column layouts of the exports, as data, so a real SIDALIH sample can be matched later.

Each layout is a list of (header, getter) where getter is a key of the row dict the export
builds. Change headers and order here, not in the export code.
"""

RECONCILIATION = [
    ("kategori", "kategori"), ("no_registrasi", "no_registrasi"), ("nik", "nik"),
    ("nama", "nama"), ("tanggal_lahir", "tanggal_lahir"), ("jenis_kelamin", "jenis_kelamin"),
    ("daftar", "daftar"), ("tps", "tps"), ("surat_suara", "surat_suara"), ("alasan", "alasan"),
    ("tindakan", "tindakan"),
]

# Formulir Model A-Daftar Pemilih Lokasi Khusus (DOMAIN.md §4, §5.2; column order unconfirmed).
A_DAFTAR_PEMILIH_LOKSUS = [
    ("NO", "no"), ("NKK", "nkk"), ("NIK", "nik"), ("NAMA", "nama"),
    ("TEMPAT LAHIR", "tempat_lahir"), ("TANGGAL LAHIR", "tanggal_lahir"), ("USIA", "usia"),
    ("STATUS PERKAWINAN", "status_perkawinan"), ("JENIS KELAMIN", "jenis_kelamin"),
    ("ALAMAT", "alamat"), ("RT", "rt"), ("RW", "rw"),
    # As Bawaslu's A1.DP-1 sheet has them (DOMAIN.md §5.2), from the KTP-el address's code.
    ("KEL/DESA", "kelurahan"), ("KECAMATAN", "kecamatan"), ("KAB/KOTA", "kabupaten"),
    ("DISABILITAS", "disabilitas"),
    ("STATUS KTP-EL", "ktp_el"), ("KETERANGAN", "keterangan"), ("TPS", "tps"),
]

# What Formulir Model A-Surat Pindah Memilih needs for each proposal (DOMAIN.md §3.2).
PINDAH_MEMILIH = [
    ("NO", "no"), ("NIK", "nik"), ("NKK", "nkk"), ("NAMA", "nama"),
    ("TEMPAT LAHIR", "tempat_lahir"), ("TANGGAL LAHIR", "tanggal_lahir"),
    ("JENIS KELAMIN", "jenis_kelamin"), ("ALAMAT KTP-EL", "alamat"),
    ("KODE WILAYAH", "kode_wilayah"),
    ("PROVINSI ASAL", "provinsi_asal"), ("KABUPATEN/KOTA ASAL", "kabupaten_asal"),
    ("KECAMATAN ASAL", "kecamatan_asal"), ("KELURAHAN/DESA ASAL", "kelurahan_asal"),
    ("TPS ASAL", "tps_asal"),
    ("NO. MODEL A-TANDA BUKTI TERDAFTAR", "tanda_bukti"),
    ("TPS TUJUAN", "tps_tujuan"), ("ALASAN", "alasan_pindah"),
    ("SURAT SUARA", "surat_suara"), ("BATAS WAKTU", "batas_tanggal"),
    ("KETERANGAN BATAS", "batas_waktu"),
    ("NO REGISTRASI WBP", "no_registrasi"),
]

# Listed people who have left or will leave before polling day (tell the KPU).
LEFT_THE_FACILITY = [
    ("NO", "no"), ("NIK", "nik"), ("NAMA", "nama"), ("TANGGAL LAHIR", "tanggal_lahir"),
    ("JENIS KELAMIN", "jenis_kelamin"), ("DAFTAR", "daftar"), ("TPS", "tps"),
    ("NO REGISTRASI WBP", "no_registrasi"), ("KETERANGAN", "alasan"),
]

# The churn since the previous run (CONTRACT.md ``export_reconciliation --kind perubahan``).
CHANGES = [
    ("no_registrasi", "no_registrasi"), ("nik", "nik"), ("nama", "nama"),
    ("kategori_sebelum", "kategori_sebelum"), ("kategori", "kategori"),
    ("tindakan", "tindakan"), ("alasan", "alasan"),
]
