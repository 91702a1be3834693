from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ioc.web"
    label = "web"
