/**
 * Who may receive a cluster's e-mails: the people its profile lists (approvers, escalation, users, operators) and
 * addresses in its `notify.allowedDomains`. Anything else (an address a caller typed) is never mailed, so the app
 * cannot be used to send its notices, with their links and text, to strangers.
 */
import type { ClusterProfile } from "../config/clusters.js";

export type RecipientPolicy = Pick<ClusterProfile, "approvers" | "escalation" | "notify">;

const normal = (address: string): string => address.trim().toLowerCase();

/** The profile's listed addresses and allowed domains, as `allowedRecipient` reads them. */
export function recipientPolicy(profile: RecipientPolicy): { listed: Set<string>; domains: Set<string> } {
  return {
    listed: new Set(
      [
        ...profile.approvers.map((a) => a.email),
        ...profile.escalation.map((a) => a.email),
        ...profile.notify.users,
        ...profile.notify.operators,
      ].map(normal),
    ),
    domains: new Set(profile.notify.allowedDomains.map(normal)),
  };
}

export function allowedRecipient(profile: RecipientPolicy, address: string): boolean {
  const { listed, domains } = recipientPolicy(profile);
  const normalized = normal(address);
  if (listed.has(normalized)) return true;
  const at = normalized.lastIndexOf("@");
  return at > 0 && normalized.indexOf("@") === at && domains.has(normalized.slice(at + 1));
}

/** `to` split into who may be mailed and who may not, order and case of the allowed kept. */
export function splitRecipients(
  profile: RecipientPolicy,
  to: readonly string[],
): { allowed: string[]; refused: string[] } {
  const allowed: string[] = [];
  const refused: string[] = [];
  for (const address of to) (allowedRecipient(profile, address) ? allowed : refused).push(address);
  return { allowed, refused };
}
