from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "ioc.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
