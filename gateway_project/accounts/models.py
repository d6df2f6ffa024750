from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email: str) -> str:
        # Emails are the login: compare them case-insensitively by storing them lowercased.
        return (email or "").strip().lower()

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their email: a customer who buys tickets or an organizer who sells them."""

    class Role(models.TextChoices):
        CUSTOMER = "customer"
        ORGANIZER = "organizer"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RevokedSession(models.Model):
    """A login session ended by logout: every refresh token of its family is refused from then on
    (accounts.tokens). A row may be deleted once REFRESH_TOKEN_LIFETIME, plus a margin for a refresh
    that raced the logout, has passed since `revoked_at`: every token of the session has expired by then."""

    family = models.CharField(max_length=64, unique=True)  # a jti: 32 hex digits
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session {self.family} (revoked {self.revoked_at:%Y-%m-%d %H:%M})"


class UserChange(models.Model):
    """A user saved or deleted (other than a login's `last_login`): every gateway worker forgets its
    cached copy of them when it next looks (accounts.authentication). Rows older than a day are
    deleted as new ones are written."""

    user_id = models.BigIntegerField()  # not a foreign key: a deleted user's change outlives them
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"user {self.user_id} changed {self.changed_at:%Y-%m-%d %H:%M:%S}"
