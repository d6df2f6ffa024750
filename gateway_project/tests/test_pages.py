"""The gateway's pages for people: the landing page at /, the API root at /api/ (JSON and the browsable
API), the admin's way back to the site, and the static files they load."""

import warnings

from django.test import SimpleTestCase, TestCase
from rest_framework import status
from whitenoise.middleware import WhiteNoiseMiddleware

from gateway_project.accounts.models import User

API_ROOT = "/api/"
HOME = "/"


class APIRootTests(SimpleTestCase):
    def test_api_root_links_every_endpoint_to_anyone(self):
        response = self.client.get(API_ROOT, HTTP_ACCEPT="application/json")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(
            response.json(),
            {
                key: f"http://testserver{path}"
                for key, path in {
                    "events": "/api/events/",
                    "my-events": "/api/events/mine/",
                    "staffed-events": "/api/events/staffed/",
                    "orders": "/api/orders/",
                    "tickets": "/api/tickets/",
                    "checkins": "/api/checkins/",
                    "checkin-lookup": "/api/checkins/lookup/",
                    "auth-register": "/api/auth/register/",
                    "auth-token": "/api/auth/token/",
                    "auth-token-refresh": "/api/auth/token/refresh/",
                    "auth-logout": "/api/auth/logout/",
                    "auth-me": "/api/auth/me/",
                    "schema": "/api/schema/",
                    "docs": "/api/docs/",
                    "redoc": "/api/redoc/",
                    "health": "/api/health/",
                    "health-live": "/api/health/live/",
                }.items()
            },
        )

    def test_api_root_is_a_browsable_page_in_a_browser(self):
        response = self.client.get(API_ROOT, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertContains(response, 'href="http://testserver/api/events/"')

    def test_browsable_api_s_navbar_shows_microtix_api_linking_the_api_root(self):
        response = self.client.get(API_ROOT, HTTP_ACCEPT="text/html")

        self.assertContains(response, '<a class="navbar-brand" rel="nofollow" href="/api/">MicroTix API</a>', html=True)
        self.assertNotContains(response, "Django REST framework")


class HomePageTests(SimpleTestCase):
    def test_home_is_a_page(self):
        response = self.client.get(HOME)

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertIn("text/html", response["Content-Type"])

    def test_home_links_the_api_its_docs_the_admin_and_health(self):
        response = self.client.get(HOME)

        for path in ("/api/", "/api/docs/", "/api/redoc/", "/api/schema/", "/admin/", "/api/health/"):
            with self.subTest(path=path):
                self.assertContains(response, f'href="{path}"')


class AdminViewSiteTests(TestCase):
    def test_admin_s_view_site_link_goes_to_the_home_page(self):
        self.client.force_login(User.objects.create_superuser("admin@example.com", "pw-12345678", full_name="A"))

        response = self.client.get("/admin/")

        self.assertContains(response, f'<a href="{HOME}">View site</a>', html=True)


class StaticFilesTests(SimpleTestCase):
    def test_static_files_are_served_with_no_collected_directory_and_no_warning(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            WhiteNoiseMiddleware(get_response=None)

        self.assertEqual([str(warning.message) for warning in caught], [])

    def test_the_browsable_api_s_assets_are_served(self):
        response = self.client.get("/static/rest_framework/css/bootstrap.min.css")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
