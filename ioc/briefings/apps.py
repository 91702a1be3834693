from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "ioc.briefings"
    verbose_name = "Briefings"
    default_auto_field = "django.db.models.BigAutoField"
