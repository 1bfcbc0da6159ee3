"""A document kind whose first render takes a long time: lets a test kill a worker mid-render.
Imported by the test process and, with `celery worker -I`, by the worker."""

import time

from advisory import documents

KIND = "test.slow"


def render(document):
    if document.attempts <= 1:  # the first attempt hangs; the take-over renders at once
        time.sleep(120)
    return "pdf/base.html", {}


documents.register_renderer(KIND, render)
