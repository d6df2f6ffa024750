from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gateway_project.accounts"
    label = "accounts"
    verbose_name = "Accounts"
