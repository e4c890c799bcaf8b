FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only-not-secret DEBUG=False python manage.py collectstatic --noinput \
 && SECRET_KEY=build-only-not-secret python manage.py compilemessages --ignore=.venv \
 && python -m compileall -q tpskhusus voters coordination
# ^ PYTHONDONTWRITEBYTECODE and a read-only /app: without bytecode compiled here, every
#   process (web, worker, each manage.py command) would compile the project's modules again.
RUN useradd --system --uid 1000 tps && mkdir -p /app/var/private && chown -R tps /app/var
USER tps
EXPOSE 8000
CMD ["gunicorn", "tpskhusus.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
