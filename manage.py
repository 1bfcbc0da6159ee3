#!/usr/bin/env python
import gc
import os
import sys


def _setup_without_collecting(setup):
    """Django's set-up imports every app and builds ~260 model classes: hundreds of thousands of
    objects that live as long as the process, which the cyclic garbage collector would walk again
    and again while they are being made (about a sixth of a command's start-up). Collect nothing
    during set-up, move what it made to the permanent generation (`gc.freeze`), then collect as
    usual while the command runs."""

    def wrapped(*args, **kwargs):
        gc.disable()
        try:
            return setup(*args, **kwargs)
        finally:
            gc.freeze()
            gc.enable()

    return wrapped


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")
    import django
    from django.core.management import execute_from_command_line

    django.setup = _setup_without_collecting(django.setup)  # the management utility calls it
    execute_from_command_line(sys.argv)
    # The command is done and the process ends: spare it the interpreter's last full garbage
    # collection over every object Django loaded (a third of a second of CPU per command; the
    # memory goes back to the system at exit anyway). atexit handlers still run.
    gc.freeze()
