/**
 * Findings about a values file and an upgrade request. Codes are stable: plans, e-mails, tests and the dashboard
 * match on them. A blocker stops the upgrade; a warning is shown to the approvers.
 */
export type Severity = "blocker" | "warning";

export const FINDING_CODES = {
  // The values text itself.
  "binary-content": { severity: "blocker", description: "The file holds NUL or control characters: not a text file." },
  "too-large": { severity: "blocker", description: "The file is larger than the size limit (1 MiB by default)." },
  "too-deep": {
    severity: "blocker",
    description: "Mappings and sequences nest deeper than the limit (64 by default).",
  },
  "empty-values": {
    severity: "blocker",
    description: "No values at all: usually the cluster was not reached correctly (runbook: get current values).",
  },
  "tab-indentation": { severity: "blocker", description: "A tab in indentation: YAML indents with spaces only." },
  "bad-indentation": { severity: "blocker", description: "Items of one mapping or sequence do not line up." },
  "duplicate-key": { severity: "blocker", description: "A key appears twice in one mapping." },
  "multiple-documents": { severity: "blocker", description: "More than one YAML document (`---`) in the file." },
  "yaml-syntax": { severity: "blocker", description: "Any other YAML syntax error." },
  "unsupported-tag": {
    severity: "blocker",
    description: "A YAML tag outside the core schema (!!binary, !!set, !!timestamp, a local tag): not a Helm value.",
  },
  "root-not-mapping": { severity: "blocker", description: "The top level is a list or a scalar, not a mapping." },
  "alias-limit": {
    severity: "blocker",
    description: "Aliases expand beyond the limit (alias bomb): refused before anything expands them.",
  },
  "aliases-present": {
    severity: "warning",
    description: "Anchors/aliases are used: an edit to an anchored node changes every alias of it.",
  },
  "empty-value": {
    severity: "warning",
    description: "A key has no value: the lines meant to be under it may be under-indented.",
  },
  "yaml11-ambiguous": {
    severity: "warning",
    description: "A plain scalar Helm reads differently (YAML 1.1): yes/no/on/off, leading-zero numbers.",
  },
  "yaml-warning": { severity: "warning", description: "A warning of the YAML parser." },
  // The release jump.
  "unknown-target-release": { severity: "blocker", description: "The target release is not in the catalog." },
  "unknown-source-release": { severity: "blocker", description: "The current release cannot be read as a tag." },
  "same-release": { severity: "blocker", description: "The cluster already runs the target release." },
  downgrade: { severity: "blocker", description: "The target is older than the current release." },
  "no-upgrade-path": { severity: "blocker", description: "No chain of catalogued releases leads to the target." },
  "unsupported-jump": {
    severity: "blocker",
    description: "The target cannot be reached directly; the message names the chain of releases to go through.",
  },
  "upgrade-chain": {
    severity: "warning",
    description: "The target is reached through intermediate releases, each a full upgrade of its own.",
  },
  "source-not-in-catalog": {
    severity: "warning",
    description: "The current release reads as a tag but is not catalogued; it is placed by its date.",
  },
  // Which release runs (lib/catalog/running.ts).
  "release-tags-disagree": {
    severity: "warning",
    description:
      "`application.cluedin.image.tag` pins another release than `global.image.tag`: the server runs its own.",
  },
  "release-chart-mismatch": {
    severity: "warning",
    description: "The values' image tag names a release whose chart is not the deployed chart.",
  },
  "release-from-chart": {
    severity: "warning",
    description: "The values name no release: it is taken from the deployed chart version (the oldest sharing it).",
  },
  "support-pins-partial": {
    severity: "warning",
    description: "Some, not all, of a support update's component pins are set: the release itself is assumed.",
  },
  // The Helm release the values come from.
  "release-pending": {
    severity: "blocker",
    description:
      "The release's last revision is pending-*: another operation runs or died mid-way; roll back to the last deployed revision first.",
  },
  "source-changed": {
    severity: "blocker",
    description: "The deployed revision the run planned from changed or vanished: plan again.",
  },
  "last-revision-failed": {
    severity: "warning",
    description: "The release's last revision failed; the values are taken from the newest deployed revision.",
  },
  // The prepared values.
  "unexpected-structure": {
    severity: "blocker",
    description: "A key the upgrade must edit holds a scalar or a list where a mapping is expected.",
  },
  "global-tag-mismatch": { severity: "blocker", description: "`global.image.tag` is not the target release." },
  "component-tag-pinned": {
    severity: "blocker",
    description: "A component `image.tag` pins another release; it would win over `global.image.tag`.",
  },
  "package-version-mismatch": {
    severity: "blocker",
    description: "A `CluedIn.*` package version differs from the catalog's for the target release.",
  },
  "invalid-package-entry": { severity: "blocker", description: "A package entry lacks a name or is not a mapping." },
  "release-value-mismatch": {
    severity: "blocker",
    description: "A values key the target release needs does not hold the catalog's value.",
  },
  "package-not-in-catalog": {
    severity: "warning",
    description: "An installed `CluedIn.*` package the target release's page does not list: version left as is.",
  },
  "customer-package": {
    severity: "warning",
    description: "A customer package: it must be rebuilt against the target platform before the upgrade.",
  },
  "duplicate-package": { severity: "warning", description: "The same package is listed more than once." },
  "upgrade-flag-in-values": {
    severity: "warning",
    description:
      "The file sets an `application.system` upgrade flag: the message says whether the release's command overrides it.",
  },
  // Extra values sent with a plan or upgrade request.
  "extra-values-secret": {
    severity: "blocker",
    description: "Extra values carry a secret: it would be stored in the run's history. Reference a Kubernetes secret.",
  },
  "extra-values-managed-key": {
    severity: "blocker",
    description: "Extra values set a key the upgrade manages itself (release tag, upgrade flags, packages).",
  },
} as const satisfies Record<string, { severity: Severity; description: string }>;

export type FindingCode = keyof typeof FINDING_CODES;

export interface Finding {
  code: FindingCode;
  message: string;
  severity: Severity;
  /** Dotted path of the value concerned (`application.cluedin.image.tag`, `...packages[2].version`). */
  path?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** The values file `line` refers to (the current or the prepared one). */
  file?: string;
}

export interface FindingLocation {
  path?: string;
  line?: number;
  column?: number;
}

export function finding(code: FindingCode, message: string, location: FindingLocation = {}): Finding {
  const { path, line, column } = location;
  return {
    code,
    message,
    severity: FINDING_CODES[code].severity,
    ...(path === undefined ? {} : { path }),
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
  };
}

export const blockersOf = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.severity === "blocker");
export const warningsOf = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.severity === "warning");
