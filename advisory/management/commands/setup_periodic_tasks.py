from celery import current_app
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from advisory.schedules import PERIODIC_TASKS


class Command(BaseCommand):
    help = "Install the product's periodic tasks into django-celery-beat (keeps administrators' edits)."

    def handle(self, *args, **options) -> None:
        current_app.loader.import_default_modules()
        known = set(current_app.tasks.keys())
        for name, spec in PERIODIC_TASKS.items():
            if spec["task"] not in known:
                self.stdout.write(f"  skipped {name}: task {spec['task']} is not installed")
                continue
            if "every" in spec:
                interval, _ = IntervalSchedule.objects.get_or_create(
                    every=spec["every"], period=IntervalSchedule.SECONDS
                )
                defaults = {"task": spec["task"], "interval": interval}
            else:
                crontab, _ = CrontabSchedule.objects.get_or_create(**spec["crontab"])
                defaults = {"task": spec["task"], "crontab": crontab}
            _task, created = PeriodicTask.objects.get_or_create(name=name, defaults=defaults)
            self.stdout.write(f"  {'created' if created else 'kept'} {name}")
