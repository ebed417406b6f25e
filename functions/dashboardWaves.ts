/** The dashboard's fleet pages (`/api/dashboard/waves`, `/api/dashboard/waves/{id}`), read only, gated like the rest. */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { FLEET_ORCHESTRATIONS } from "../lib/fleet/contracts.js";
import { WaveIdSchema } from "../lib/fleet/requests.js";
import { wavePage, wavesPage } from "../lib/web/waves.js";
import { eta, htmlResponse } from "../lib/web/page.js";
import { clientPrincipal, type CallerTrust } from "./http.js";
import { readWave } from "./waves.js";

export interface DashboardWavesDeps {
  access(): { enabled: boolean; trust: CallerTrust };
}

const notice = (status: number, title: string, message: string): HttpResponseInit =>
  htmlResponse(
    status,
    title,
    eta.renderString(`<h1><%= it.title %></h1><p class="notice warn"><%= it.message %></p>`, { title, message }),
  );

export const makeDashboardWaves =
  (deps: DashboardWavesDeps) =>
  async (request: HttpRequest, client: DurableClient): Promise<HttpResponseInit> => {
    const { enabled, trust } = deps.access();
    if (!enabled) return notice(404, "No dashboard", "The dashboard is off in this deployment (DASHBOARD=off).");
    if (trust.platformAuth && !clientPrincipal(request, trust))
      return notice(401, "Sign in", "The dashboard needs a signed-in user.");
    const id = request.params.id;
    if (!id) {
      const all = await client.getStatusAll();
      const waves = await Promise.all(
        all.filter((s) => s.name === FLEET_ORCHESTRATIONS.wave.name).map((s) => readWave(client, s.instanceId ?? "")),
      );
      const shown = waves
        .filter((w) => w !== undefined)
        .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
      return htmlResponse(200, "Waves", wavesPage(shown));
    }
    const wave = WaveIdSchema.safeParse(id).success ? await readWave(client, id) : undefined;
    if (!wave) return notice(404, "Unknown wave", `No wave ${id}.`);
    return htmlResponse(200, `Wave ${wave.id}`, wavePage(wave));
  };
