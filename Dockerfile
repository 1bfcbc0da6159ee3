# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=advisory.settings.prod \
    ADVISORY_VAR_DIR=/var/lib/advisory

# WeasyPrint needs Pango; CJK reports need Noto CJK; libharfbuzz-subset0 keeps PDF rendering fast;
# gettext compiles the translation catalogs; postgresql-client for backups.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY . .
# The code runs from /app, which the process cannot write, with PYTHONDONTWRITEBYTECODE: compile it
# once here, or every process (web, worker, each management command) compiles every module again.
RUN pip install --no-cache-dir . && python -m compileall -q -x /node_modules/ /app && mkdir -p /var/lib/advisory \
    && SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://localhost ALLOWED_HOSTS=localhost \
       SALT_KEY=build LOOKUP_HASH_KEY=build python manage.py collectstatic --noinput \
    && useradd --system --home /app advisory && chown -R advisory /var/lib/advisory
USER advisory

EXPOSE 8000
CMD ["gunicorn", "advisory.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
