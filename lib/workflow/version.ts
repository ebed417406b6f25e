/**
 * The orchestration version new runs are created with: host.json `extensions.durableTask.defaultVersion`, written
 * from this constant by `npm run package` (infra/package.ts). Raise it on every deploy that changes what the
 * orchestrators do (docs/deploy.md, "Orchestration versioning"). Keep the `major.minor` form: Durable Task compares
 * versions as System.Version only when both parse as one, and a bare "10" would sort before "9" as a string.
 */
export const ORCHESTRATION_VERSION = "2.0";
