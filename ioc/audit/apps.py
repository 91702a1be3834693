from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ioc.audit"
    label = "audit"
