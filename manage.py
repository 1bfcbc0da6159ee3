#!/usr/bin/env python
import gc
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
    # The command is done and the process ends: spare it the interpreter's last full garbage
    # collection over every object Django loaded (a third of a second of CPU per command; the
    # memory goes back to the system at exit anyway). atexit handlers still run.
    gc.freeze()
