import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { definedOnly } from "../core/defined.js";
import { readBody, send, sendJson } from "../core/http.js";
import { partialFaultsSchema, type Faults } from "../model/faults.js";
import type { World } from "../model/world.js";

export interface ControlOptions {
  world: () => World;
  /** Rebuilds the world from a scenario (the current one when undefined); answers the failure reason. */
  reset: (scenario: unknown) => { ok: true } | { ok: false; reason: string };
  setFaults: (faults: Partial<Faults>) => Faults;
}

function error(res: ServerResponse, status: number, code: string, message: string, details?: unknown): void {
  sendJson(res, status, { error: { code, message, ...(details !== undefined ? { details } : {}) } });
}

async function readDocument(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; reason: string }> {
  const text = (await readBody(req)).toString("utf8");
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return {
      ok: true,
      value: (req.headers["content-type"] ?? "").includes("yaml") ? parseYaml(text) : JSON.parse(text),
    };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** `/_sim/*` (state, journal, faults, reset) and, everywhere else, the CluedIn UI behind the ingress. */
export function createControlHandler(
  options: ControlOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const world = options.world();
    world.sync();
    if (!url.pathname.startsWith("/_sim")) return ui(req, res, world);
    const route = `${req.method ?? "GET"} ${url.pathname.replace(/\/+$/, "")}`;
    switch (route) {
      case "GET /_sim":
      case "GET /_sim/state":
        return sendJson(res, 200, world.state());
      case "GET /_sim/journal":
        return sendJson(res, 200, { entries: world.journal.all() });
      case "GET /_sim/faults":
        return sendJson(res, 200, world.faults.get());
      case "GET /_sim/scenario":
        return sendJson(res, 200, world.scenario);
      case "POST /_sim/faults": {
        const body = await readDocument(req);
        if (!body.ok) return error(res, 400, "InvalidJson", body.reason);
        const parsed = partialFaultsSchema.safeParse(body.value ?? {});
        if (!parsed.success) {
          return error(
            res,
            400,
            "InvalidFaults",
            "the faults do not match the schema",
            parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
          );
        }
        return sendJson(res, 200, options.setFaults(definedOnly(parsed.data)));
      }
      case "POST /_sim/reset": {
        const body = await readDocument(req);
        if (!body.ok) return error(res, 400, "InvalidJson", body.reason);
        const scenario =
          typeof body.value === "object" && body.value !== null && "scenario" in body.value
            ? body.value.scenario
            : undefined;
        const result = options.reset(scenario);
        if (!result.ok) return error(res, 400, "InvalidScenario", result.reason);
        return sendJson(res, 200, options.world().state());
      }
      default:
        return error(res, 404, "NotFound", `no route ${route}`);
    }
  };
}

async function ui(req: IncomingMessage, res: ServerResponse, world: World): Promise<void> {
  const fault = world.faults.get().ui;
  if (fault?.mode === "slow") {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, fault.delayMs);
      req.on("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (res.destroyed) return;
    world.sync();
  }
  if (fault?.mode === "dead" || !world.uiReady()) {
    return send(
      res,
      503,
      "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n",
      "text/html",
      { "Cache-Control": "no-cache" },
    );
  }
  const version = world.uiVersion();
  send(
    res,
    200,
    `<!doctype html><html><head><meta charset="utf-8"><meta name="cluedin-version" content="${version}"><title>CluedIn</title></head><body><div id="root">CluedIn ${version}</div></body></html>\n`,
    "text/html",
  );
}
