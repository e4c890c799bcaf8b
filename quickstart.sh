#!/usr/bin/env bash
# One command: set everything up and run the app on the embedded default
# (SQLite file in var/, tasks run in-process, demo data loaded) at http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")"
bin/setup-env requirements.txt
export DEBUG="${DEBUG:-True}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
.venv/bin/python manage.py demo
echo "Buka http://${HOST:-127.0.0.1}:${PORT:-8000}/ — masuk sebagai operator / kpps901 / kpu / bawaslu / admin, kata sandi: tpskhusus-demo"
exec .venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
