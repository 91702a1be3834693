from django.apps import AppConfig


class DatavaluesConfig(AppConfig):
    name = "ioc.datavalues"
    label = "datavalues"
