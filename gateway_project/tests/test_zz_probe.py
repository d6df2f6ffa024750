from gateway_project.tests.base import GatewayAPITestCase


class Probe(GatewayAPITestCase):
    def test_probe(self):
        for c in ["WyIyMDkwLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",
                  "WyIyMDkwLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgOTIyMzM3MjAzNjg1NDc3NTgwOF0",
                  "WyIyMDkwLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgdHJ1ZV0",
                  "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0",
                  "WyI5OTk5LTEyLTMxVDIzOjU5OjU5KzAwOjAwIiwgMV0",
                  "WyIyMDkwLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgMV0", "a" * 512, "a" * 513, "====", "\u00e9\u00e9"]:
            r = self.client.get("/api/events/", {"cursor": c})
            print(c[:30], r.status_code, r.content[:200])
        for p in [{"starts_after": "0001-01-01T00:00:00Z"}, {"starts_before": "9999-12-31T23:59:59Z"}, {"q": "%"}, {"q": "_"}, {"q": "x" * 201}, {"q": "\x00"}]:
            r = self.client.get("/api/events/", p)
            print(str(p)[:40], r.status_code, r.content[:200])
        org = self.make_organizer()
        self.authenticate(org)
        for body in [{"name": "n\x00ul", "starts_at": "2090-01-01T00:00:00Z", "ends_at": "2090-01-02T00:00:00Z"},
                     {"name": "x", "starts_at": "2090-01-01T00:00:00Z", "ends_at": "2090-01-02T00:00:00Z", "timezone": ""},
                     {"name": "x", "starts_at": "9999-12-31T23:00:00Z", "ends_at": "9999-12-31T23:59:59.999999Z"},
                     {"name": "x", "starts_at": "2090-01-01T00:00:00Z", "ends_at": "2090-01-02T00:00:00Z", "venue": "v" * 301},
                     {"name": "😀" * 200, "starts_at": "2090-01-01T00:00:00Z", "ends_at": "2090-01-02T00:00:00Z"},
                     {"name": "x", "starts_at": "2090-01-01T00:00:00Z", "ends_at": "2090-01-02T00:00:00Z", "description": "d" * 10001},
                     {"name": "x", "starts_at": None, "ends_at": "2090-01-02T00:00:00Z"},
                     ]:
            r = self.client.post("/api/events/", body, format="json")
            print(str(body)[:50], r.status_code, r.content[:300])
        r = self.client.post("/api/events/", "name=x&starts_at=2090-01-01T00:00:00Z&ends_at=2090-01-02T00:00:00Z", content_type="application/x-www-form-urlencoded")
        print("form", r.status_code, r.content[:200])
        r = self.client.post("/api/events/", "<xml/>", content_type="application/xml")
        print("xml", r.status_code, r.content[:200])
        r = self.client.post("/api/events/", b"\xff\xfe", content_type="application/json")
        print("badutf8", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", b"\xff\xfe", content_type="application/json")
        print("reg badutf8", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/token/", b"\xff\xfe", content_type="application/json")
        print("tok badutf8", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/token/", '{"email": "a@b.c", "password": "x", "x": 1e999999}', content_type="application/json")
        print("tok inf", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "a\\u0000@b.c", "password": "x", "full_name": "y"}', content_type="application/json")
        print("reg nul", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc@example.com", "password": "abc\\u0000defgh-xyzzy-plugh", "full_name": "y"}', content_type="application/json")
        print("reg pw nul", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/token/", '{"email": "abc@example.com", "password": "abc\\u0000defgh-xyzzy-plugh"}', content_type="application/json")
        print("tok pw nul", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc2@example.com", "password": "' + "p" * 5000 + 'q", "full_name": "y"}', content_type="application/json")
        print("reg long pw", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "' + "e" * 300 + '@example.com", "password": "correct-horse-battery", "full_name": "y"}', content_type="application/json")
        print("reg long email", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc3@example.com", "password": "correct-horse-battery", "full_name": "' + "f" * 151 + '"}', content_type="application/json")
        print("reg long name", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc4@example.com", "password": "correct-horse-battery", "full_name": "y", "role": ["organizer"]}', content_type="application/json")
        print("reg role list", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc5@example.com", "password": "correct-horse-battery", "full_name": "y", "role": null}', content_type="application/json")
        print("reg role null", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/register/", '{"email": "abc5@example.com", "password": 12345678, "full_name": "y"}', content_type="application/json")
        print("reg pw int", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/logout/", '{"refresh": ["a"]}', content_type="application/json")
        print("logout list", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/token/refresh/", '{"refresh": ["a"]}', content_type="application/json")
        print("refresh list", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/token/refresh/", '[1]', content_type="application/json")
        print("refresh arr", r.status_code, r.content[:200])
        r = self.client.generic("POST", "/api/auth/logout/", '[1]', content_type="application/json")
        print("logout arr", r.status_code, r.content[:200])
        r = self.client.generic("PATCH", "/api/events/1/", '[1]', content_type="application/json")
        print("patch arr", r.status_code, r.content[:200])
