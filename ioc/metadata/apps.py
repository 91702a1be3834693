from django.apps import AppConfig


class MetadataConfig(AppConfig):
    name = "ioc.metadata"
    label = "metadata"
