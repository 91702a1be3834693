from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ioc.ingest"
    label = "ingest"

    def ready(self) -> None:
        # Registers the background job "ingest.import" (the worker runs it; no URL module is loaded there).
        from ioc.ingest import jobs  # noqa: F401
