"""The Django admin of the gateway's users."""

from django.test import TestCase

from gateway_project.accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserAdminTests(TestCase):
    def setUp(self):
        self.admin = User.objects.create_superuser("admin@example.com", PASSWORD, full_name="Site Admin")
        self.customer = User.objects.create_user("customer@example.com", PASSWORD, full_name="Casey Customer")

    def test_user_changelist_lists_users(self):
        self.client.force_login(self.admin)

        response = self.client.get("/admin/accounts/user/")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "customer@example.com")
        self.assertContains(response, "admin@example.com")

    def test_user_changelist_search_finds_a_user_by_email(self):
        self.client.force_login(self.admin)

        response = self.client.get("/admin/accounts/user/", {"q": "customer@"})

        self.assertContains(response, "customer@example.com")
        self.assertNotContains(response, "admin@example.com</a>")

    def test_user_change_page_renders(self):
        self.client.force_login(self.admin)

        response = self.client.get(f"/admin/accounts/user/{self.customer.pk}/change/")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "customer@example.com")

    def test_user_add_page_renders(self):
        self.client.force_login(self.admin)

        response = self.client.get("/admin/accounts/user/add/")

        self.assertEqual(response.status_code, 200)

    def test_admin_creates_a_user_with_an_argon2_password(self):
        self.client.force_login(self.admin)

        response = self.client.post(
            "/admin/accounts/user/add/",
            {
                "email": "new.organizer@example.com",
                "full_name": "New Organizer",
                "role": "organizer",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )

        self.assertEqual(response.status_code, 302, response.content[:2000])
        user = User.objects.get(email="new.organizer@example.com")
        self.assertEqual(user.role, User.Role.ORGANIZER)
        self.assertTrue(user.password.startswith("argon2"), user.password[:20])

    def test_admin_login_page_lets_a_staff_user_in(self):
        response = self.client.post(
            "/admin/login/?next=/admin/", {"username": "admin@example.com", "password": PASSWORD}
        )

        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_admin_is_closed_to_non_staff_users(self):
        self.client.force_login(self.customer)

        response = self.client.get("/admin/accounts/user/")

        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_user_created_by_manager_has_an_argon2_password(self):
        self.assertTrue(self.customer.password.startswith("argon2"), self.customer.password[:20])
