from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "ioc.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
