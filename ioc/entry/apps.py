from django.apps import AppConfig


class EntryConfig(AppConfig):
    name = "ioc.entry"
    label = "entry"
    verbose_name = "Data entry forms"
