"""svc's runner for Python services, written into the image by the Dockerfile svc generates.

It runs a service as Vercel's Python runtime does, on $PORT:
  web <module:attr>          an ASGI app under uvicorn, a WSGI app under gunicorn, or a
                             BaseHTTPRequestHandler class, told apart as Vercel's runtime does
  cron <service> <routes JSON> [<module:object>]
                             Vercel's cron dispatcher: GET or POST on a route calls its
                             function; `object.get_crons()` lists more routes and schedules,
                             which this process keeps itself
  worker <module> [<attr>]   a queue worker, bootstrapped by vercel-workers when it is installed,
                             else the app the module exports
  job <module:function>      the function (or the module, as __main__), once
"""

import asyncio
import hmac
import importlib
import inspect
import json
import os
import runpy
import sys
import threading
import time
import traceback

PORT = int(os.environ.get("PORT") or "8000")
HOST = "0.0.0.0"


def load(target):
    """`module:attr` -> the object; a bare module -> the module."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def interface(app):
    """'asgi', 'wsgi' or 'handler', as Vercel's runtime decides it."""
    from http.server import BaseHTTPRequestHandler

    if isinstance(app, type) and issubclass(app, BaseHTTPRequestHandler):
        return "handler", app
    asgi = getattr(app, "asgi", None)
    if asgi is not None and callable(asgi):
        return "asgi", asgi
    is_async = inspect.iscoroutinefunction(app)
    if not is_async and callable(app):
        is_async = inspect.iscoroutinefunction(getattr(app, "__call__", None))
    target = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, "__call__", app)
    try:
        parameters = [
            p
            for p in inspect.signature(target).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
    except (TypeError, ValueError):
        parameters = []
    if is_async and len(parameters) == 3:
        return "asgi", app
    if len(parameters) == 2:
        return "wsgi", app
    raise SystemExit(f"svc: cannot tell whether {app!r} is an ASGI or WSGI application")


def route_prefix():
    """The legacy form's routePrefix, when Vercel's build asks the runtime to strip it."""
    if os.environ.get("VERCEL_SERVICE_ROUTE_PREFIX_STRIP", "").strip().lower() not in ("1", "true"):
        return ""
    prefix = os.environ.get("VERCEL_SERVICE_ROUTE_PREFIX", "").strip()
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix.rstrip("/")


def strip(path, prefix):
    """`/api/py` and `/api/py/` -> `/`, `/api/py/x` -> `/x`; `/api/pyx` is not under it."""
    if path == prefix:
        return "/", True
    if path.startswith(prefix + "/"):
        return path[len(prefix):], True
    return path, False


def asgi_under(app, prefix):
    async def stripped(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path, matched = strip(scope.get("path", ""), prefix)
            if matched:
                scope = dict(scope, path=path, root_path=scope.get("root_path", "") + prefix)
                raw = scope.get("raw_path")
                if raw is not None:
                    raw_path, raw_matched = strip(raw.decode("latin-1"), prefix)
                    if raw_matched:
                        scope["raw_path"] = raw_path.encode("latin-1")
        return await app(scope, receive, send)

    return stripped


def wsgi_under(app, prefix):
    def stripped(environ, start_response):
        path, matched = strip(environ.get("PATH_INFO", ""), prefix)
        if matched:
            environ["PATH_INFO"] = path
            environ["SCRIPT_NAME"] = prefix
        return app(environ, start_response)

    return stripped


def handler_under(handler, prefix):
    class Stripped(handler):
        def parse_request(self):
            parsed = super().parse_request()
            if parsed:
                path, separator, query = self.path.partition("?")
                path, matched = strip(path, prefix)
                if matched:
                    self.path = path + separator + query
            return parsed

    return Stripped


def under_prefix(kind, app):
    """The app with the route prefix taken off each request's path, as Vercel's runtime takes
    it off; ASGI apps get it as `root_path`, WSGI apps as `SCRIPT_NAME`."""
    prefix = route_prefix()
    if not prefix:
        return app
    return {"asgi": asgi_under, "wsgi": wsgi_under, "handler": handler_under}[kind](app, prefix)


def serve(app):
    kind, app = interface(app)
    app = under_prefix(kind, app)
    if kind == "asgi":
        import uvicorn

        uvicorn.run(app, host=HOST, port=PORT, proxy_headers=True, forwarded_allow_ips="*")
    elif kind == "wsgi":
        from gunicorn.app.base import BaseApplication

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{HOST}:{PORT}")
                self.cfg.set("workers", int(os.environ.get("WEB_CONCURRENCY") or "2"))
                self.cfg.set("accesslog", "-")

            def load(self):
                return app

        Server().run()
    else:
        from http.server import ThreadingHTTPServer

        ThreadingHTTPServer((HOST, PORT), app).serve_forever()


def cron_path(service, module, function):
    return f"/_svc/{service}/crons/{module.replace('.', '/')}/{function}"


def call(handler):
    result = handler()
    if inspect.isawaitable(result):
        asyncio.run(result)


def handler_of(target):
    """A route's callable: `module:function`, or a module run again as __main__."""
    if ":" in target:
        function = load(target)
        if not callable(function):
            raise SystemExit(f"svc: cron handler {target!r} is not callable")
        return function
    module = importlib.import_module(target)
    return lambda: runpy.run_path(module.__file__, run_name="__main__")


def cron(service, routes_json, dynamic=None):
    routes = {path: handler_of(target) for path, target in json.loads(routes_json).items()}
    schedules = []
    if dynamic:
        for target, schedule in load(dynamic).get_crons():
            module, _, function = str(target).partition(":")
            if not function:
                raise SystemExit(f"svc: get_crons() entry {target!r} is not `module:function`")
            path = cron_path(service, module, function)
            routes[path] = handler_of(target)
            schedules.append((Schedule(schedule), path))
            print(f"svc: {path} runs at `{schedule}` (UTC)", flush=True)
    if schedules:
        threading.Thread(target=keep_schedules, args=(schedules, routes), daemon=True).start()
    serve(dispatcher(routes))


def dispatcher(routes):
    async def respond(send, status, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        if scope.get("method", "GET") not in ("GET", "POST"):
            return await respond(send, 405, {"error": "method not allowed"})
        secret = os.environ.get("CRON_SECRET")
        if secret:
            given = dict(scope.get("headers") or []).get(b"authorization", b"").decode()
            if not hmac.compare_digest(given, f"Bearer {secret}"):
                return await respond(send, 401, {"error": "unauthorized"})
        handler = routes.get(scope["path"])
        if handler is None:
            return await respond(send, 404, {"error": f"no cron handler for path: {scope['path']}"})
        try:
            if inspect.iscoroutinefunction(handler):
                await handler()
            else:
                await asyncio.to_thread(handler)
        except Exception:
            traceback.print_exc()
            return await respond(send, 500, {"error": "internal"})
        await respond(send, 200, {"ok": True})

    return app


class Schedule:
    """A five-field cron expression, in UTC."""

    NAMES = {
        3: "jan feb mar apr may jun jul aug sep oct nov dec".split(),
        4: "sun mon tue wed thu fri sat".split(),
    }
    BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]

    def __init__(self, text):
        fields = text.split()
        if len(fields) != 5:
            raise SystemExit(f"svc: schedule {text!r} is not five cron fields")
        self.restricted = [f != "*" for f in fields]
        self.sets = [self.field(f, i) for i, f in enumerate(fields)]
        if 7 in self.sets[4]:
            self.sets[4].add(0)

    def value(self, text, index):
        names = self.NAMES.get(index)
        if names and text.lower() in names:
            return names.index(text.lower()) + (1 if index == 3 else 0)
        return int(text)

    def field(self, text, index):
        low, high = self.BOUNDS[index]
        values = set()
        for part in text.split(","):
            spec, _, step = part.partition("/")
            if spec == "*":
                start, end = low, high
            elif "-" in spec:
                a, b = spec.split("-", 1)
                start, end = self.value(a, index), self.value(b, index)
            else:
                start = end = self.value(spec, index)
                if step:
                    end = high
            values.update(range(start, end + 1, int(step) if step else 1))
        return values

    def due(self, moment):
        minute, hour, day, month, weekday = self.sets
        day_ok = moment.tm_mday in day
        weekday_ok = (moment.tm_wday + 1) % 7 in weekday
        if self.restricted[2] and self.restricted[4]:
            days = day_ok or weekday_ok
        else:
            days = day_ok and weekday_ok
        return moment.tm_min in minute and moment.tm_hour in hour and moment.tm_mon in month and days


def keep_schedules(schedules, routes):
    """Calls each route at its times, as the platform's scheduler would."""
    while True:
        time.sleep(60 - time.time() % 60 + 0.5)
        now = time.gmtime()
        for schedule, path in schedules:
            if schedule.due(now):
                threading.Thread(target=run_route, args=(path, routes[path]), daemon=True).start()


def run_route(path, handler):
    try:
        call(handler)
        print(f"svc: {path} ran", flush=True)
    except Exception:
        traceback.print_exc()


def worker(module_name, attr="app"):
    os.environ.setdefault("VERCEL_SERVICE_TYPE", "worker")
    module = importlib.import_module(module_name)
    app = None
    try:
        from vercel.workers._runtime import maybe_bootstrap_worker_service_app
    except ImportError:
        maybe_bootstrap_worker_service_app = None
    if maybe_bootstrap_worker_service_app is not None:
        app = maybe_bootstrap_worker_service_app(module)
    if app is None:
        app = getattr(module, attr, None)
    if app is None:
        raise SystemExit(
            "svc: unable to bootstrap worker service. Export an ASGI/WSGI app, or configure "
            "Celery/Dramatiq/Django via vercel-workers."
        )
    serve(app)


def job(target):
    if ":" in target:
        call(load(target))
    else:
        runpy.run_module(target, run_name="__main__")


def main():
    sys.path.insert(0, os.getcwd())
    mode, *args = sys.argv[1:]
    if mode == "web":
        serve(load(args[0]))
    elif mode == "cron":
        cron(*args)
    elif mode == "worker":
        worker(*args)
    elif mode == "job":
        job(args[0])
    else:
        raise SystemExit(f"svc: unknown mode {mode!r}")


if __name__ == "__main__":
    main()
