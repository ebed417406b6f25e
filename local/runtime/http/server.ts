/**
 * One node:http server for the app's HTTP triggers (`/<routePrefix>/...`), Durable's management webhooks and the
 * RPC surface the durable client uses. Errors are JSON `{"error": {"code", "message"}}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage, LocalRuntimeError } from "../errors.js";
import { newInvocationContext } from "../invoke.js";
import { registeredFunctions, TriggerType } from "../registry.js";
import type { LocalRuntime } from "../runtime.js";
import {
  compileRoute,
  matchRoute,
  orderRoutes,
  toHttpRequest,
  writeHandlerResult,
  type AppRoute,
} from "./app-routes.js";
import { DurableApi, errorBody, type ApiResponse } from "./management.js";

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RPC_BASE = "/durabletask/";
const WEBHOOK_BASE = "/runtime/webhooks/durabletask/";
/** Where App Service authentication sends a caller without a session (`redirectToProvider: azureactivedirectory`). */
const SIGN_IN_PATH = "/.auth/login/aad";

const isLoopback = (address: string | undefined): boolean =>
  address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

/**
 * Why a request may not use the RPC surface, or undefined. The host binds it to 127.0.0.1 and asks no key
 * (azure-functions-durable-extension LocalHttpListener.cs); a browser on this machine reaches loopback too, so what a
 * browser sends (an Origin, a Sec-Fetch-Site other than `none`) is refused, and a Host other than this loopback
 * address is a rebound name. The durable client (axios over node http) sends neither and addresses
 * `clientData().rpcBaseUrl` as given; Node's fetch sends only `Sec-Fetch-Mode`, which a server-side caller may.
 */
export function rpcRefusal(headers: IncomingMessage["headers"], localPort: number): string | undefined {
  const site = headers["sec-fetch-site"];
  if (headers.origin !== undefined || (site !== undefined && site !== "none"))
    return "The durable RPC API does not serve browsers.";
  const loopback = ["127.0.0.1", "localhost", "[::1]"].map((host) => `${host}:${localPort}`);
  if (!loopback.includes((headers.host ?? "").toLowerCase()))
    return "The durable RPC API answers only its loopback address.";
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new LocalRuntimeError("payload-too-large", "The request body is larger than 10 MB.");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, response: ApiResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body === undefined) {
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(response.body));
}

/**
 * App Service authentication with `unauthenticatedClientAction: RedirectToLoginPage` (infra/modules/functionapp.bicep)
 * answers a request without a session on the app's public host name, the management webhooks included, with a 302
 * to the sign-in page; only the extension's loopback RPC endpoint is out of its reach.
 */
function signInRedirect(res: ServerResponse, url: URL): void {
  const target = new URL(SIGN_IN_PATH, url.origin);
  target.searchParams.set("post_login_redirect_uri", url.pathname + url.search);
  res.statusCode = 302;
  res.setHeader("location", target.href);
  res.end();
}

/** The identity provider's page: HTML with status 200, what a server-to-server call lands on after the redirect. */
function signInPage(res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.end("<!doctype html><title>Sign in to your account</title><form><input name=loginfmt></form>");
}

export class RuntimeHttpServer {
  private readonly server: Server;
  private readonly api: DurableApi;
  private routes: AppRoute[] = [];
  private routesFor = -1;
  origin = "";

  constructor(
    private readonly runtime: LocalRuntime,
    private readonly options: {
      routePrefix: string;
      log: (line: string) => void;
      /** Puts a sign-in redirect in front of the management webhooks (see LocalRuntimeOptions.webhookSignIn). */
      webhookSignIn?: boolean;
    },
  ) {
    this.api = new DurableApi(runtime);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Only the path's first segments: a route parameter may be an approval link's token.
        const where = (req.url ?? "").split("?")[0]?.split("/").slice(0, 3).join("/") ?? "";
        this.options.log(`error: HTTP ${req.method} ${where}/…: ${errorMessage(error)}`);
        if (!res.headersSent) sendJson(res, { status: 500, body: errorBody("internal", errorMessage(error)) });
        else res.destroy();
      });
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const address = this.server.address() as AddressInfo;
        // Bound to every interface: clients (and the durable client's RPC calls) reach it on loopback.
        const reachable =
          address.address === "0.0.0.0" ? "127.0.0.1" : address.address === "::" ? "::1" : address.address;
        const shownHost = reachable.includes(":") ? `[${reachable}]` : reachable;
        this.origin = `http://${shownHost}:${address.port}`;
        resolve();
      });
    });
  }

  close(force = false): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      if (force) this.server.closeAllConnections();
      else this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const method = req.method ?? "GET";
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof LocalRuntimeError)) throw error;
      return sendJson(res, { status: 413, body: errorBody(error.code, error.message) });
    }
    const apiRequest = (base: string) => ({
      method,
      url: url.href,
      path: url.pathname.slice(base.length),
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (this.options.webhookSignIn && url.pathname.startsWith(WEBHOOK_BASE)) return signInRedirect(res, url);
    if (this.options.webhookSignIn && url.pathname === SIGN_IN_PATH) return signInPage(res);
    if (url.pathname.startsWith(WEBHOOK_BASE)) {
      return sendJson(res, await this.api.handle(apiRequest(WEBHOOK_BASE), { requireKey: true }));
    }
    if (url.pathname.startsWith(RPC_BASE)) {
      // The extension's RPC endpoint needs no key: only the local worker may reach it (see rpcRefusal).
      if (!isLoopback(req.socket.remoteAddress)) {
        return sendJson(res, { status: 403, body: errorBody("forbidden", "The durable RPC API is loopback-only.") });
      }
      const refusal = rpcRefusal(req.headers, req.socket.localPort ?? 0);
      if (refusal) return sendJson(res, { status: 403, body: errorBody("forbidden", refusal) });
      return sendJson(res, await this.api.handle(apiRequest(RPC_BASE), { requireKey: false }));
    }
    const prefix = `/${this.options.routePrefix.replace(/^\/+|\/+$/g, "")}`;
    const underPrefix =
      prefix === "/" ? url.pathname : url.pathname.startsWith(`${prefix}/`) || url.pathname === prefix;
    if (underPrefix) {
      const routePath = prefix === "/" ? url.pathname : url.pathname.slice(prefix.length);
      return this.invokeApp(req, res, method, url, routePath, body);
    }
    sendJson(res, { status: 404, body: errorBody("not-found", `Nothing is served at ${url.pathname}.`) });
  }

  /** One line per HTTP route, for the startup log. */
  describeRoutes(): string[] {
    const prefix = this.options.routePrefix.replace(/^\/+|\/+$/g, "");
    return this.appRoutes().map(
      (route) =>
        `${[...route.methods].join(",")} /${prefix}/${route.template} -> ${route.fn.name} (authLevel ${route.authLevel})`,
    );
  }

  private appRoutes(): AppRoute[] {
    const functions = registeredFunctions().filter((fn) => fn.triggerType === TriggerType.http);
    if (functions.length !== this.routesFor) {
      this.routes = orderRoutes(functions.map(compileRoute));
      this.routesFor = functions.length;
    }
    return this.routes;
  }

  private async invokeApp(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    routePath: string,
    body: Buffer,
  ): Promise<void> {
    const match = matchRoute(this.appRoutes(), method, routePath);
    if (match.kind === "malformed")
      return sendJson(res, { status: 400, body: errorBody("bad-request", "The request path has a malformed escape.") });
    if (match.kind !== "match") {
      const message =
        match.kind === "wrong-method"
          ? `${method} is not allowed here; the route accepts ${match.allowed.join(", ")}.`
          : `No function route matches ${url.pathname}.`;
      return sendJson(res, { status: 404, body: errorBody("not-found", message) });
    }
    const { fn } = match.route;
    const request = toHttpRequest(method, url.href, req.headers, body, match.params);
    const context = newInvocationContext(fn, { log: this.options.log, clientData: () => this.runtime.clientData() });
    let result: unknown;
    try {
      result = await fn.handler(request, context);
    } catch (error) {
      // The Functions host answers an unhandled exception with a bare 500.
      this.options.log(`error: function ${fn.name} threw: ${errorMessage(error)}`);
      res.statusCode = 500;
      res.end();
      return;
    }
    await writeHandlerResult(res, result);
  }
}
