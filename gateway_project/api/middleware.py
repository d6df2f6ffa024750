"""Gateway middleware: request ids and HTTP metrics (being written)."""


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class MetricsMiddleware(RequestIdMiddleware):
    pass
