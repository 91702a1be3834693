from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ioc.plans"
    verbose_name = "Plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the background job "plans.refresh_forecasts" (the web process submits it, the worker runs it).
        from ioc.plans import jobs  # noqa: F401
