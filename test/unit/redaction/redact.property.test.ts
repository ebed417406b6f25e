/**
 * Planted secrets never survive redaction: random values trees, random secret values under random secret-bearing
 * keys at random places; after redaction the serialized output holds none of them, and every non-secret survives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  carriesSecret,
  collectSecretValues,
  isSecretKey,
  isSecretNameKey,
  REDACTED,
  redactObject,
  redactText,
  redactYamlText,
  textRedactor,
} from "../../../lib/redaction/index.js";

type Tree = { [key: string]: Tree | string | number | boolean | null | Tree[] };

const SAFE_KEYS = [
  "image",
  "replicas",
  "components",
  "server",
  "ui",
  "enabled",
  "strategy",
  "type",
  "resources",
  "limits",
  "cpu",
  "memory",
  "labels",
  "ingress",
  "host",
  "domain",
  "nodeSelector",
  "features",
  "search",
  "email",
  "username",
  "monitoring",
  "settings",
  "level",
  "mode",
  "storage",
  "size",
  "name",
  "existingSecret",
  "passwordSecretName",
];
const SECRET_KEYS = [
  "password",
  "sapassword",
  "azureClientSecret",
  "hubspotToken",
  "licenseKey",
  "alertWebhookUrl",
  "tlsKey",
  "erlangCookie",
  "apiKey",
  "connectionString",
  "sasToken",
  "privateKey",
  "passwd",
  "clientSecret",
  "accessToken",
  "auth",
];
const CONTAINER_KEYS = ["extraSecrets", "extraImagePullSecrets", "extraCertificateSecrets", "credentials"];

const safeKey = fc.constantFrom(...SAFE_KEYS);
const secretKey = fc.oneof(
  fc.constantFrom(...SECRET_KEYS),
  fc
    .tuple(
      fc.constantFrom("server", "db", "rabbitmq", "smtp", "neo4j"),
      fc.constantFrom("Password", "Secret", "Token", "ApiKey", "Key"),
    )
    .map(([prefix, suffix]) => prefix + suffix),
);
const safeScalar = fc.oneof(
  fc.boolean(),
  fc.integer({ min: 0, max: 999 }),
  fc.constant(null),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/).filter((s) => !carriesSecret(s)),
);
const secretValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 6, maxLength: 24 }).filter((s) => s.trim().length >= 6),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100_000_000, max: 2_000_000_000 }) },
);

const { tree } = fc.letrec<{ tree: Tree; node: Tree[string] }>((tie) => ({
  tree: fc.dictionary(safeKey, tie("node"), { maxKeys: 5 }),
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    safeScalar,
    tie("tree"),
    fc.array(tie("tree"), { maxLength: 2 }),
  ),
}));

interface Planting {
  where: number;
  inContainer: boolean;
  key: string;
  value: string | number;
}
const planting = fc.record({
  where: fc.nat(),
  inContainer: fc.boolean(),
  key: secretKey,
  value: secretValue,
});

function mapsOf(node: unknown, found: Tree[] = []): Tree[] {
  if (Array.isArray(node)) for (const item of node) mapsOf(item, found);
  else if (node !== null && typeof node === "object") {
    found.push(node as Tree);
    for (const child of Object.values(node)) mapsOf(child, found);
  }
  return found;
}

function plant(base: Tree, plantings: Planting[]): Tree {
  const copy = structuredClone(base);
  const maps = mapsOf(copy);
  plantings.forEach((p, i) => {
    const map = maps[p.where % maps.length]!;
    if (p.inContainer) {
      const container = CONTAINER_KEYS[i % CONTAINER_KEYS.length]!;
      const existing = map[container];
      const holder: Tree =
        existing !== null && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
      holder[`item${i}`] = { [SAFE_KEYS[i % 20]!]: p.value };
      map[container] = holder;
    } else {
      // A second secret under the same key would overwrite the first: give it a key of its own.
      const key = p.key in map ? `x${i}${p.key[0]!.toUpperCase()}${p.key.slice(1)}` : p.key;
      map[key] = p.value;
    }
  });
  return copy;
}

/** Every scalar of a tree with its path; for checking that non-secrets come out unchanged. */
function leaves(node: unknown, path: string[] = [], found: [string[], unknown][] = []): [string[], unknown][] {
  if (Array.isArray(node)) node.forEach((item, i) => leaves(item, [...path, String(i)], found));
  else if (node !== null && typeof node === "object")
    for (const [key, child] of Object.entries(node)) leaves(child, [...path, key], found);
  else found.push([path, node]);
  return found;
}

const at = (node: unknown, path: string[]): unknown =>
  path.reduce<unknown>((here, key) => (here as Record<string, unknown> | undefined)?.[key], node);

const scenario = fc.record({ base: tree, plantings: fc.array(planting, { minLength: 1, maxLength: 6 }) });

describe("redaction properties", () => {
  it("the key pools are what they claim to be", () => {
    for (const key of SAFE_KEYS) expect(isSecretKey(key)).toBe(false);
    for (const key of [...SECRET_KEYS, ...CONTAINER_KEYS]) expect(isSecretKey(key) && !isSecretNameKey(key)).toBe(true);
  });

  it("redactObject: no planted value survives, every non-secret does", () => {
    fc.assert(
      fc.property(scenario, ({ base, plantings }) => {
        const planted = plant(base, plantings);
        const secrets = plantings.map((p) => String(p.value));
        const baseJson = JSON.stringify(base);
        fc.pre(secrets.every((s) => !baseJson.includes(s) && !REDACTED.includes(s)));
        const out = redactObject(planted);
        const json = JSON.stringify(out);
        for (const secret of secrets) expect(json).not.toContain(JSON.stringify(secret).slice(1, -1));
        for (const [path, value] of leaves(base)) expect(at(out, path)).toEqual(value);
        expect(collectSecretValues(planted)).toEqual(expect.arrayContaining(secrets));
      }),
      { numRuns: 300 },
    );
  });

  it("redactYamlText: the same tree as YAML keeps its shape and loses its secrets", () => {
    fc.assert(
      fc.property(scenario, ({ base, plantings }) => {
        const planted = plant(base, plantings);
        const secrets = plantings.map((p) => String(p.value));
        const text = stringify(planted);
        const baseText = stringify(base);
        fc.pre(secrets.every((s) => !baseText.includes(s) && !REDACTED.includes(s) && !stringify(s).includes("\n  ")));
        const out = redactYamlText(text);
        for (const secret of secrets) expect(out).not.toContain(secret);
        expect(parse(out)).toEqual(redactObject(planted));
      }),
      { numRuns: 300 },
    );
  });

  it("redactText is idempotent on any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 200 }), (text) => {
        const once = redactText(text);
        expect(redactText(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it("a text redactor blanks known secrets wherever they are embedded", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme-ascii", minLength: 4, maxLength: 20 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.string({ unit: "grapheme-ascii", maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        (secrets, words) => {
          fc.pre(secrets.every((s) => !REDACTED.includes(s) && !s.includes("«") && !s.includes("»")));
          const text = words.flatMap((word, i) => [word, secrets[i % secrets.length]!]).join(" ");
          const out = textRedactor(secrets)(text);
          for (const secret of secrets) expect(out).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});
