/**
 * Free text an activity returns about a release (Helm output, server log lines, cluster messages) is redacted by
 * the patterns and by the release's own values: any value of any stored revision that could be a secret, whatever
 * its key (lib/redaction `releaseRedactor`). When the values cannot be read, the text is withheld instead.
 */
import type { DataUpgradeState, HelmRevisionWithValues, LogScan } from "../lib/clients/types.js";
import { releaseRedactor } from "../lib/redaction/index.js";
import type { ClusterClients } from "../lib/services.js";

export const WITHHELD = "(withheld: the release's values could not be read to redact this text)";

export type Redact = (text: string) => string;

export async function releaseTextRedactor(
  clients: ClusterClients,
  revisions?: readonly HelmRevisionWithValues[],
): Promise<Redact> {
  try {
    const all = revisions ?? (await (await clients.kube()).listHelmRevisions(clients.target.releaseName));
    return releaseRedactor(all.map((revision) => revision.valuesYaml));
  } catch {
    return () => WITHHELD;
  }
}

export function redactLogScan(scan: LogScan, redact: Redact): LogScan {
  const response = scan.dataUpgradeResponse;
  return {
    ...scan,
    errorLines: scan.errorLines.map(redact),
    ...(response ? { dataUpgradeResponse: { ...response, line: redact(response.line) } } : {}),
  };
}

export function redactDataUpgrade(state: DataUpgradeState, redact: Redact): DataUpgradeState {
  return state.message === undefined ? state : { ...state, message: redact(state.message) };
}
