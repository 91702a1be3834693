from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "ioc.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from ioc.analytics import signals  # noqa: F401  (structure changes drop the replica's dimensions)
        from ioc.analytics.replica import replica
        from ioc.core import warmup

        warmup.register("analytics replica", replica.sync)
