from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gateway_project.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Saving a user forgets its cached copy in this process (accounts.authentication).
        from gateway_project.accounts import authentication  # noqa: F401
