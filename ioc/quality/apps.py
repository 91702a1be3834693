from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "ioc.quality"
    label = "quality"
    verbose_name = "Data quality"

    def ready(self) -> None:
        from ioc.quality import jobs  # noqa: F401 (registers the job kind "quality.validate")
