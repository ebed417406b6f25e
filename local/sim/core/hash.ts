import { createHash } from "node:crypto";

// Kubernetes' rand.String alphabet (no vowels, no confusable digits): generated names look like the real ones.
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function digest(seed: string): Buffer {
  return createHash("sha256").update(seed).digest();
}

/** Deterministic name suffix like the ones controllers generate (`-7d9c8b6f5`, `-x2k9p`). */
export function nameSuffix(seed: string, length: number): string {
  const bytes = digest(seed);
  let out = "";
  for (let i = 0; i < length; i++) out += NAME_ALPHABET[(bytes[i] ?? 0) % NAME_ALPHABET.length];
  return out;
}

export function uidFor(seed: string): string {
  const hex = digest(`uid:${seed}`).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function hexId(seed: string, length = 32): string {
  return digest(seed).toString("hex").slice(0, length);
}

/** Small stable integer from a seed (thread ids, IPs). */
export function smallInt(seed: string, modulo: number): number {
  return digest(seed).readUInt32BE(0) % modulo;
}

/** mulberry32: a seeded generator so probabilistic faults replay identically. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
