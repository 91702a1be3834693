from django.apps import AppConfig


class OrgunitsConfig(AppConfig):
    name = "ioc.orgunits"
    label = "orgunits"
