/**
 * Composition root: every function of the app (HTTP triggers, orchestrators, activities) is registered here,
 * with its dependencies wired from configuration. Azure's Node worker loads this module (package.json `main`);
 * the local runtime captures the same registrations.
 */
export {};
