"""Routes: the gateway forwards /api/... unchanged (GET /api/health is answered in config/health.py)."""
from django.http import JsonResponse
from django.urls import path

from items.views import ItemsView

urlpatterns = [path("api/items", ItemsView.as_view())]


# JSON rather than Django's HTML pages (used when DEBUG is off; 400 is also a Host not in ALLOWED_HOSTS).
def bad_request(request, exception):
    return JsonResponse({"error": "bad request"}, status=400)


def not_found(request, exception):
    return JsonResponse({"error": "not found", "path": request.path}, status=404)


def server_error(request):
    return JsonResponse({"error": "server error"}, status=500)


handler400 = bad_request
handler404 = not_found
handler500 = server_error
