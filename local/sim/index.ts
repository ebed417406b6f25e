/** The simulated CluedIn installation on AKS: `startSimulator` and the types of its options, state and faults. */
export { startSimulator, SimulatorInputError, type Simulator, type SimulatorOptions } from "./simulator.js";
export type { SimState } from "./model/world.js";
export type { Faults, FaultsInput, RequestFault } from "./model/faults.js";
export { NO_FAULTS } from "./model/faults.js";
export { PLANTED_SECRETS, type ScenarioInput } from "./model/scenario.js";
export { CHARTS, type ChartVersion } from "./model/charts.js";
export type { HelmOperation } from "./helm/backend.js";
export type { JournalEntry } from "./model/journal.js";
export { COMPACT_TIMINGS, DEFAULT_TIMINGS, type TimingSet, type Timings } from "./model/timings.js";
export { AKS_SERVER_APP_ID } from "./arm/kubeconfig.js";
