"""Settings of the load test (bench/load_test.py): production settings, on plain HTTP loopback.

Production minus what needs TLS or a second factor — HTTPS redirect, secure-only cookies, HSTS and
the staff 2FA requirement — so Locust can sign in through the real login form on 127.0.0.1. Keys
default to the development ones the bench data was built with (bench/firm_data.py). Bench only:
never deploy with these.
"""

import os

for _name, _value in {
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SALT_KEY": "dev-salt-key-change-me",
    "LOOKUP_HASH_KEY": "dev-lookup-key-change-me",
    "LOG_FORMAT": "plain",
}.items():
    os.environ.setdefault(_name, _value)

from advisory.settings.prod import *  # noqa: E402,F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
OTP_REQUIRED_FOR_STAFF = False
# The servers' clock set to a chosen moment (load_test.py --firm-time), ticking from there: the bench
# data are dated up to the moment they were built, so a run on the 1st of a month would find the
# live month of the quality dashboard nearly empty. Bench only (time-machine is a test dependency).
if os.environ.get("BENCH_FIRM_TIME"):
    import datetime

    import time_machine

    time_machine.travel(datetime.datetime.fromisoformat(os.environ["BENCH_FIRM_TIME"]), tick=True).start()

LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405 - one line per request is noise here
