from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ioc.accounts"
    label = "accounts"
