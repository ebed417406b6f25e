import { describe, expect, it } from "vitest";
import { parseClusterProfiles, type ClusterProfile } from "../../../lib/config/clusters.js";
import { allowedRecipient, splitRecipients } from "../../../lib/notifications/recipients.js";

const PROFILE = `clusters:
  - name: prod
    environment: prod
    subscriptionId: 00000000-0000-0000-0000-000000000000
    resourceGroup: rg
    clusterName: aks
    uiUrl: https://cluedin.contoso.com/
    approvers: [{ email: Approver@Contoso.com }]
    escalation: [{ email: head@contoso.com }]
    notify:
      users: [users@contoso.com]
      operators: [ops@contoso.com]
      allowedDomains: [Fabrikam.com]
`;

function profile(text = PROFILE): ClusterProfile {
  const parsed = parseClusterProfiles(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value[0]!;
}

describe("who may receive a cluster's mail", () => {
  it.each([
    ["approver@contoso.com", true],
    ["HEAD@contoso.com", true],
    ["users@contoso.com", true],
    ["ops@contoso.com", true],
    ["anyone@fabrikam.com", true],
    ["someone@contoso.com", false],
    ["victim@elsewhere.example", false],
    ["a@evil.example@fabrikam.com", false],
    ["x@sub.fabrikam.com", false],
    ["fabrikam.com", false],
  ])("%s: %s", (address, allowed) => {
    expect(allowedRecipient(profile(), address)).toBe(allowed);
  });

  it("splits a list, keeping the allowed in order", () => {
    expect(splitRecipients(profile(), ["ops@contoso.com", "victim@elsewhere.example", "b@fabrikam.com"])).toEqual({
      allowed: ["ops@contoso.com", "b@fabrikam.com"],
      refused: ["victim@elsewhere.example"],
    });
  });

  it("refuses an allowed domain that is not a plain mail domain", () => {
    for (const domain of ["*.contoso.com", "@contoso.com", "contoso", "ops@contoso.com"]) {
      const parsed = parseClusterProfiles(PROFILE.replace("[Fabrikam.com]", `["${domain}"]`));
      expect(parsed.ok, domain).toBe(false);
    }
  });
});
