from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ioc.ingest"
    label = "ingest"
