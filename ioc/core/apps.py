from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ioc.core"
    label = "core"
    verbose_name = "Core"
