#!/usr/bin/env bash
# One command: set everything up and run the app on the embedded default at
# http://127.0.0.1:8000/ — served like production (DEBUG off, the app's own error pages, static
# files through WhiteNoise, gunicorn), with a SQLite file in var/ and a real Celery worker whose
# queue is a folder in var/broker (kombu's filesystem transport: no Redis needed), demo data loaded.
set -euo pipefail
cd "$(dirname "$0")"
bin/setup-env requirements.txt
mkdir -p var/log
if [ ! -s var/secret_key ]; then
  (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key)
fi
export DEBUG=False HTTPS=False
export SECRET_KEY_FILE="$PWD/var/secret_key"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-$HOST,localhost,127.0.0.1}"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
.venv/bin/python manage.py collectstatic --noinput >/dev/null
# The demo's own first jobs run in this process, before the worker starts.
.venv/bin/python manage.py demo

export CELERY_BROKER_URL="filesystem://"
# One worker on every queue, with the scheduler inside it (nightly reconciliation, and the
# sweep that takes back jobs lost with a killed worker). One process: SQLite has one writer.
.venv/bin/celery -A tpskhusus worker -B --schedule var/celerybeat-schedule \
  -Q default,letters,imports --concurrency 1 --loglevel INFO >var/log/worker.log 2>&1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM

echo "Buka http://$HOST:$PORT/ — masuk sebagai operator / kpps901 / kpu / bawaslu / admin, kata sandi: tpskhusus-demo"
echo "Log pekerja latar belakang: var/log/worker.log"
.venv/bin/gunicorn tpskhusus.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --timeout 120 --access-logfile - --log-level warning
