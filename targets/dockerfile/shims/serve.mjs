// svc's launcher for Node services, written into the image by the Dockerfile svc generates.
// It serves a module as Vercel's Node runtime does: the module's `fetch` (or per-method
// handlers), else a (req, res) function, else the server it starts with listen(), on $PORT.
// Usage: node serve.mjs web <entry> | cron <entry> <routes JSON> | job <entry>
import http from "node:http";
import { existsSync } from "node:fs";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { timingSafeEqual } from "node:crypto";

const [mode, source, routesJson] = process.argv.slice(2);
const entry = compiled(source);
const port = Number(process.env.PORT || 3000);
const host = "0.0.0.0";
const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

// The first server the module starts is held back: where it listens is the launcher's call.
let captured = null;
let onCaptured = () => {};
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  http.Server.prototype.listen = listen;
  const callback = args.find((a) => typeof a === "function");
  captured = { server: this, callback };
  onCaptured();
  return this;
};

if (mode === "web") stripRoutePrefix();

const loaded = await import(pathToFileURL(resolve(entry)).href);

if (mode === "job") {
  // A job: its default export, when it has one, runs once; the process ends when it is done.
  http.Server.prototype.listen = listen;
  const job = unwrap(loaded);
  if (typeof job === "function") {
    await job();
    process.exit(0);
  }
} else if (mode === "cron") {
  http.Server.prototype.listen = listen;
  serveCron(loaded, JSON.parse(routesJson));
} else {
  await serveWeb(loaded);
}

// A TypeScript entrypoint its build compiled runs from the compiled file, as Vercel's backends
// builder takes the entrypoint from dist, build or output after a build.
function compiled(file) {
  if (!/\.[mc]?ts$/.test(file)) return file;
  const stem = file.replace(/\.[mc]?ts$/, "");
  for (const dir of ["dist", "build", "output"]) {
    for (const base of [stem, stem.replace(/^src\//, "")]) {
      for (const ext of [".js", ".mjs", ".cjs"]) {
        if (existsSync(`${dir}/${base}${ext}`)) return `${dir}/${base}${ext}`;
      }
    }
  }
  return file;
}

// Vercel's runtime takes a legacy service's routePrefix off each request's path before the app
// sees it, when the build sets VERCEL_SERVICE_ROUTE_PREFIX_STRIP: `/api/node/q` reaches an app
// mounted at `/api/node` as `/q`. As there, only `request` events: upgrades keep the prefix.
function stripRoutePrefix() {
  if (!/^(1|true)$/i.test((process.env.VERCEL_SERVICE_ROUTE_PREFIX_STRIP || "").trim())) return;
  let prefix = (process.env.VERCEL_SERVICE_ROUTE_PREFIX || "").trim();
  if (prefix && !prefix.startsWith("/")) prefix = `/${prefix}`;
  prefix = prefix.replace(/\/+$/, "");
  if (!prefix) return;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === "request" && req && typeof req.url === "string") {
      req.url = stripped(req.url, prefix);
    }
    return emit.call(this, event, req, ...rest);
  };
}

function stripped(url, prefix) {
  const at = url.indexOf("?");
  const path = at < 0 ? url : url.slice(0, at);
  const query = at < 0 ? "" : url.slice(at);
  if (path === prefix) return `/${query}`;
  if (path.startsWith(`${prefix}/`)) return path.slice(prefix.length) + query;
  return url;
}

function unwrap(module) {
  let value = module;
  for (let i = 0; i < 5 && value && value.default; i++) value = value.default;
  return value;
}

// Vercel's order: a fetch handler, a (req, res) function, the server the module starts. After
// those, an app object exported without listen() (Koa's callback(), Fastify's own listen, or
// a named `app` export) is served too, where Vercel's runtime would give up.
async function serveWeb(module) {
  const app = unwrap(module);
  if (serveHandler(app)) return;
  if (!captured) {
    await new Promise((done) => {
      onCaptured = done;
      setTimeout(done, 1000);
    });
  }
  http.Server.prototype.listen = listen;
  if (captured) {
    listen.call(captured.server, port, host, captured.callback);
    return;
  }
  for (const candidate of [app, app?.app, module.app]) {
    if (candidate && serveHandler(candidate)) return;
    if (candidate && typeof candidate.callback === "function") {
      http.createServer(candidate.callback()).listen(port, host);
      return;
    }
    if (candidate && typeof candidate.listen === "function" && typeof candidate.ready === "function") {
      await candidate.listen({ port, host });
      return;
    }
  }
  console.error(
    `svc: ${entry} neither exports a handler (fetch, or a (req, res) function) nor starts a server`,
  );
  process.exit(1);
}

// A fetch (or per-method) handler, or a (req, res) function, served on $PORT.
function serveHandler(app) {
  if (!app) return false;
  const handlers = METHODS.filter((m) => typeof app[m] === "function");
  if (typeof app.fetch === "function" || handlers.length > 0) {
    http.Server.prototype.listen = listen;
    const handle = (request) => {
      const method = request.method.toUpperCase();
      if (typeof app[method] === "function") return app[method](request);
      if (typeof app.fetch === "function") return app.fetch(request);
      return new Response("method not allowed", { status: 405 });
    };
    http.createServer((req, res) => fromFetch(handle, req, res)).listen(port, host);
    return true;
  }
  if (typeof app === "function") {
    http.Server.prototype.listen = listen;
    http.createServer(app).listen(port, host);
    return true;
  }
  return false;
}

// A Node request through a fetch handler, and its Response back.
async function fromFetch(handle, req, res) {
  try {
    const url = new URL(req.url, `http://${req.headers.host || "localhost"}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const body = ["GET", "HEAD"].includes(req.method) ? undefined : Readable.toWeb(req);
    const request = new Request(url, { method: req.method, headers, body, duplex: "half" });
    const response = await handle(request);
    const out = {};
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") out[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) out["set-cookie"] = cookies;
    res.writeHead(response.status, out);
    if (response.body && req.method !== "HEAD") {
      Readable.fromWeb(response.body).pipe(res);
    } else {
      res.end();
    }
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}

// Vercel's cron dispatcher: GET or POST on a route calls the module's default export.
function serveCron(module, routes) {
  const handler = unwrap(module);
  if (typeof handler !== "function") {
    console.error(`svc: ${entry} has no default export to run on its schedule`);
    process.exit(1);
  }
  const authorized = (header) => {
    const secret = process.env.CRON_SECRET;
    if (!secret) return true;
    const given = Buffer.from(header || "");
    const wanted = Buffer.from(`Bearer ${secret}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };
  const json = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  http
    .createServer(async (req, res) => {
      req.resume();
      if (!["GET", "POST"].includes(req.method)) return json(res, 405, { error: "method not allowed" });
      if (!authorized(req.headers.authorization)) return json(res, 401, { error: "unauthorized" });
      const path = req.url.split("?")[0];
      if (!(path in routes)) return json(res, 404, { error: `no cron handler for path: ${path}` });
      try {
        await handler();
        json(res, 200, { ok: true });
      } catch (error) {
        console.error(error);
        json(res, 500, { error: "internal" });
      }
    })
    .listen(port, host);
}
