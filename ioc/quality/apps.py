from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "ioc.quality"
    label = "quality"
    verbose_name = "Data quality"
