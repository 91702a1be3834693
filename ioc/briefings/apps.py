from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "ioc.briefings"
    verbose_name = "Briefings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ioc.briefings import jobs  # noqa: F401 (registers the job kind "briefings.generate")
