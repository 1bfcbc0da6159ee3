#!/usr/bin/env bash
# Serve the app with a Celery worker and beat (one process: exactly one beat runs), and the audit
# sequencer on PostgreSQL (`audit_chain --listen` leaves at once where the chain is written inline:
# SQLite, the default).
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
mkdir -p var/log
"$BIN/celery" -A advisory worker --beat --pool=solo --concurrency=1 --loglevel=INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler >var/log/celery.log 2>&1 &
CELERY_PID=$!
"$BIN/python" manage.py audit_chain --listen >var/log/sequencer.log 2>&1 &
SEQUENCER_PID=$!
stop_celery() {
  pkill -TERM -P "$CELERY_PID" 2>/dev/null || true
  kill -TERM "$CELERY_PID" "$SEQUENCER_PID" 2>/dev/null || true
}
trap stop_celery EXIT INT TERM
echo "Celery worker and beat running (pid $CELERY_PID, log var/log/celery.log)"
echo "Serving on http://127.0.0.1:$PORT/  (Ctrl-C stops web, worker and beat)"
"$BIN/python" manage.py runserver "127.0.0.1:$PORT"
