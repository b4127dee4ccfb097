"""GET /api/health: 200 when the database answers `SELECT 1`, else 503.

A middleware placed before all others rather than a view: probes (Docker's, kubelet's, a load
balancer's) send the container's own address as Host, which ALLOWED_HOSTS would reject with a 400.
"""
from django.db import connection
from django.http import JsonResponse


def ping_database(timeout: float = 2) -> None:
    """Runs `SELECT 1` on a new connection of its own; raises if that fails.

    Its own connection so that every timeout is short: a database that accepts TCP but never answers
    (hung, paused) gives up after `timeout` seconds here instead of holding a worker until gunicorn's.
    """
    params = connection.get_connection_params()
    params.update(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
    db = connection.get_new_connection(params)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        db.close()


def health_middleware(get_response):
    def middleware(request):
        if request.path_info != "/api/health":
            return get_response(request)
        try:
            ping_database()
            ok = True
        except Exception:  # whatever the failure (refused, timed out, denied), the answer is "degraded"
            ok = False
        body = {"status": "ok" if ok else "degraded", "database": ok}
        return JsonResponse(body, status=200 if ok else 503)

    return middleware
