/**
 * `npm start`: the app on http://127.0.0.1:7071 (env PORT) against the simulated CluedIn cluster, on real time, with
 * e-mails in .local/outbox and the simulator's kubeconfig in .local/sim/kubeconfig.yaml. State survives restarts.
 */
import path from "node:path";
import { startLocalApp } from "./app.js";

const port = Number(process.env.PORT ?? 7071);
/** A realistic data upgrade takes about 25 minutes; at this scale the demo completes in well under a minute. */
const DEMO_TIME_SCALE = Number(process.env.SIM_TIME_SCALE ?? 0.02);

const app = await startLocalApp({
  dir: path.resolve(process.env.LOCAL_DIR ?? ".local"),
  port,
  timeScale: DEMO_TIME_SCALE,
  fleet: true,
  log: (line) => console.log(line),
}).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === "EADDRINUSE"
      ? `port ${port} is in use: stop the other server or set PORT (e.g. PORT=7072 npm start)`
      : `could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

console.log(`cluedin-upgrade on ${app.baseUrl}
  dashboard     ${app.baseUrl}/api/dashboard
  plan          curl -s -X POST ${app.baseUrl}/api/plans -H 'content-type: application/json' -d '{"cluster":"demo","targetRelease":"2025.05.00"}'
  start         curl -s -X POST ${app.baseUrl}/api/upgrades -H 'content-type: application/json' -d '{"cluster":"demo","targetRelease":"2025.05.00","requestedBy":{"name":"Ops","email":"ops@contoso.example"}}'
  wave          curl -s -X POST ${app.baseUrl}/api/waves -H 'content-type: application/json' -d '{"strategy":"demo","targetRelease":"2025.05.00","dryRun":true}'
  fleet         ${[...(app.fleet?.sims.keys() ?? [])].join(", ")} (kubectl --context aks-cluedin-<name>)
  e-mails       ${app.outboxDir}
  kubeconfig    ${app.sim.kubeconfigPath}   (kubectl --kubeconfig ${path.relative(process.cwd(), app.sim.kubeconfigPath)} get pods -n cluedin)
Ctrl-C stops; running upgrades resume on the next start.`);

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
