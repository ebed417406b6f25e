import { describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import {
  carriesSecret,
  collectSecretValues,
  REDACTED,
  redactDocument,
  redactObject,
  redactText,
  redactYamlLines,
  redactYamlText,
  secretPaths,
  textRedactor,
} from "../../../lib/redaction/index.js";

describe("redactText", () => {
  it.each([
    [
      "a durable management URL",
      "https://app.example/runtime/webhooks/durabletask/instances/abc?taskHub=h&connection=Storage&code=S3cr3tSyst3mK3y==",
      "S3cr3tSyst3mK3y",
    ],
    [
      "a SAS URL",
      "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=AbC%2Bdef123%3D&se=2026",
      "AbC%2Bdef123",
    ],
    [
      "a storage connection string",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bWFkZSB1cCBrZXk=;EndpointSuffix=core.windows.net",
      "bWFkZSB1cCBrZXk",
    ],
    ["a SQL connection string", "Server=sql;Database=DataStore;User Id=sa;Password=Pa55word!;", "Pa55word!"],
    ["a quoted SQL password", 'Server=sql;Password="a;b c";Encrypt=true', "a;b c"],
    ["a braced SQL password", "Server=sql;Pwd={x;y};", "x;y"],
    ["a bearer token", "Authorization: Bearer abcdefghijklmnop.qrstuvwx-yz0123456789", "abcdefghijklmnop"],
    ["a JWT", "token was eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl ok", "eyJzdWIiOiJ4In0"],
    ["URL credentials", "amqp://cluedin:R4bbitPass@cluedin-rabbitmq:5672/", "R4bbitPass"],
    ["a JSON password", 'config {"rabbitmqPassword": "hunter2!", "user": "x"}', "hunter2!"],
    ["a log key=value", "connecting with password=letmein123 to server", "letmein123"],
    ["a YAML-ish pair", "alertWebhookUrl: https://hooks.example/T000/B000/XXXX", "hooks.example/T000"],
    [
      "a private key",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
      "MIIEpAIBAAKCAQEA",
    ],
  ])("takes %s out", (_case, text, secret) => {
    const redacted = redactText(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
  });

  it.each([
    "[#098 05:57:02 INF] Performing Upgrade Scenario Elastic search upgrade mapping for version Version450",
    "HTTP POST /api/upgradeto/Version450 responded 200 in 1857.3003 ms",
    "Basic Helm upgrade completed: cluedin-platform-2.5.0",
    "secretName: cluedin-rabbitmq and key rabbitmq-password",
    "pods 14/14 ready",
    "helm exited with exit code=1; status code=500",
    "the key=value pairs of the log",
    "https://cluedin.contoso.example/api/plans?cluster=prod&targetRelease=2025.05.00",
  ])("leaves ordinary text alone: %s", (text) => {
    expect(redactText(text)).toBe(text);
  });

  it("keeps the words around a secret", () => {
    expect(redactText("login failed: Password=abc123; retrying")).toBe(`login failed: Password=${REDACTED}; retrying`);
  });

  it("is idempotent", () => {
    const once = redactText('a?code=x&sig=y password: "z" Bearer abcdefghijklmnopqrstuvwxyz');
    expect(redactText(once)).toBe(once);
  });

  it("blanks known secrets wherever they appear, but not short ones", () => {
    const redact = textRedactor(["Sup3rS3cret", "ab"]);
    expect(redact("auth failed for Sup3rS3cret at ab")).toBe(`auth failed for ${REDACTED} at ab`);
  });

  it("can be mapped over lines", () => {
    expect(["x", "Password=abc"].map(redactText)).toEqual(["x", `Password=${REDACTED}`]);
  });

  it("recognises strings that carry a secret of their own", () => {
    expect(carriesSecret("https://x.example/?sig=abc")).toBe(true);
    expect(carriesSecret("https://x.example/?page=2")).toBe(false);
  });
});

const values = {
  platform: {
    extraImagePullSecrets: [
      { name: "acr-pull", registry: "contoso.azurecr.io", username: "puller", password: "AcrP@ss" },
    ],
    extraSecrets: { "storage-conn": { value: "conn-value" } },
    extraCertificateSecrets: { tls: { tlsKey: "-----BEGIN PRIVATE KEY-----x", tlsCrt: "crt" } },
  },
  application: {
    bootstrap: { organization: { name: "contoso", email: "admin@contoso.example", password: "OrgP@ss1" } },
    sso: { enabled: true, clientId: "abc-123", azureClientSecret: "SsoS3cret" },
    email: { host: "smtp", password: "MailP@ss" },
    sqlserver: { users: { dataStore: { username: "ds", password: "SqlP@ss", passwordSecretName: "sql-ds" } } },
    gql: { hubspotToken: "hs-token-1" },
    monitoring: { alertManager: { licenseKey: 1234567, alertWebhookUrl: "https://hooks.example/x" } },
    rabbitmq: { existingSecret: "cluedin-rabbitmq", secretRef: "rabbit-ref" },
    storage: { url: "https://acct.blob.core.windows.net/c?sv=1&sig=SigValue99" },
  },
  infrastructure: {
    mssql: { sapassword: "SaP@ss" },
    rabbitmq: { auth: { username: "cluedin", password: "RabbitP@ss", erlangCookie: "Cookie99", enabled: true } },
    elasticsearch: { auth: { password: "EsP@ss" } },
    redis: { auth: { password: "RedisP@ss" } },
    neo4j: { neo4j: { password: "Neo4jP@ss" } },
  },
  global: { image: { tag: "2025.05.00" } },
};
const PLANTED = [
  "AcrP@ss",
  "puller",
  "conn-value",
  "-----BEGIN PRIVATE KEY-----x",
  "OrgP@ss1",
  "SsoS3cret",
  "MailP@ss",
  "SqlP@ss",
  "hs-token-1",
  "1234567",
  "hooks.example",
  "SigValue99",
  "SaP@ss",
  "RabbitP@ss",
  "Cookie99",
  "EsP@ss",
  "RedisP@ss",
  "Neo4jP@ss",
];
const KEPT = [
  "acr-pull",
  "contoso",
  "abc-123",
  "sql-ds",
  "cluedin-rabbitmq",
  "rabbit-ref",
  "2025.05.00",
  "admin@contoso.example",
];

describe("redactObject", () => {
  const redacted = redactObject(values);
  const json = JSON.stringify(redacted);

  it.each(PLANTED)("takes %s out", (secret) => {
    expect(json).not.toContain(secret);
  });

  it.each(KEPT)("keeps %s", (kept) => {
    expect(json).toContain(kept);
  });

  it("keeps the shape, booleans and secret names", () => {
    expect(redacted.application.sqlserver.users.dataStore).toEqual({
      username: "ds",
      password: REDACTED,
      passwordSecretName: "sql-ds",
    });
    expect(redacted.infrastructure.rabbitmq.auth.enabled).toBe(true);
    expect(redacted.platform.extraImagePullSecrets[0]).toEqual({
      name: "acr-pull",
      registry: REDACTED,
      username: REDACTED,
      password: REDACTED,
    });
    expect(values.infrastructure.mssql.sapassword).toBe("SaP@ss");
  });

  it("lists the secrets and where they were", () => {
    expect(collectSecretValues(values)).toContain("RabbitP@ss");
    expect(secretPaths(values)).toContain("infrastructure.rabbitmq.auth.erlangCookie");
    expect(secretPaths({ global: { image: { tag: "x" } } })).toEqual([]);
  });
});

describe("redactYamlText", () => {
  const text = [
    "# values for prod; old sa password was SaP@ss",
    "global:",
    "  image:",
    '    tag: "2025.05.00"',
    "infrastructure:",
    "  mssql:",
    "    sapassword: 'SaP@ss' # rotate yearly",
    "  rabbitmq:",
    "    auth:",
    "      password: RabbitP@ss",
    "platform:",
    "  extraCertificateSecrets:",
    "    tls:",
    "      tlsKey: |",
    "        -----BEGIN PRIVATE KEY-----",
    "        MIIEvQIBADANBg",
    "        -----END PRIVATE KEY-----",
    "anchors:",
    "  shared: &pw AnchoredP@ss",
    "application:",
    "  email:",
    "    password: *pw",
    "",
  ].join("\n");
  const redacted = redactYamlText(text);

  it.each(["SaP@ss", "RabbitP@ss", "MIIEvQIBADANBg", "AnchoredP@ss"])(
    "takes %s out, comments and anchors included",
    (secret) => {
      expect(redacted).not.toContain(secret);
    },
  );

  it("keeps the layout: keys, order, comments and non-secrets", () => {
    expect(redacted).toContain('    tag: "2025.05.00"');
    expect(redacted).toContain(`    sapassword: '${REDACTED}' # rotate yearly`);
    expect(redacted).toContain("# values for prod");
    expect(parse(redacted)).toMatchObject({ application: { email: { password: REDACTED } } });
    expect(redacted.split("\n").length).toBeLessThanOrEqual(text.split("\n").length);
  });

  it("falls back to line-wise redaction for text that is not valid YAML", () => {
    const broken =
      "global:\n\timage: x\ninfrastructure:\n  mssql:\n    sapassword: SaP@ss\n  auth:\n    password: &a  RabbitP@ss\n  tls:\n    tlsKey: |\n      KeyMaterial\n    other: kept\n";
    const out = redactYamlText(broken);
    for (const secret of ["SaP@ss", "RabbitP@ss", "KeyMaterial"]) expect(out).not.toContain(secret);
    expect(out).toContain("other: kept");
    expect(out).toContain("\timage: x");
  });

  it("redacts Helm-style lists nested under a secret key line by line", () => {
    const out = redactYamlLines(
      "extraImagePullSecrets:\n- name: acr\n  password: AcrP@ss\n  username: puller\nnext: 1\n",
    );
    expect(out).toBe(
      `extraImagePullSecrets:\n- name: acr\n  password: ${REDACTED}\n  username: ${REDACTED}\nnext: 1\n`,
    );
  });

  it("does not expand an alias bomb", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x]"];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    expect(redactYamlText(bomb.join("\n"))).toContain("a: &a");
  });

  it("redactDocument leaves the original document untouched", () => {
    const doc = parseDocument("password: x1234\n");
    expect(redactDocument(doc).toString()).toBe(`password: ${REDACTED}\n`);
    expect(doc.toString()).toBe("password: x1234\n");
  });
});
