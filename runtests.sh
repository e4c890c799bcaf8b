#!/usr/bin/env bash
# One command: set up and run the whole test suite (lint, migrations check, pytest).
# Uses DATABASE_URL and CELERY_BROKER_URL when set (CI: PostgreSQL and Redis); otherwise
# SQLite with in-process tasks, and the real-worker tests are skipped.
set -euo pipefail
cd "$(dirname "$0")"
bin/setup-env requirements-dev.txt
export DEBUG=True
.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Ada perubahan model tanpa migrasi: jalankan makemigrations" >&2; exit 1; }
.venv/bin/python manage.py check
unset DEBUG
exec .venv/bin/python -m pytest --create-db "$@"
