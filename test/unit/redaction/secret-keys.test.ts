import { describe, expect, it } from "vitest";
import { isSecretKey, isSecretNameKey } from "../../../lib/redaction/index.js";

describe("isSecretKey", () => {
  it.each([
    // REFERENCE §7's secret-bearing keys
    "password",
    "username-less password",
    "sapassword",
    "azureClientSecret",
    "hubspotToken",
    "licenseKey",
    "alertWebhookUrl",
    "tlsKey",
    "erlangCookie",
    "extraSecrets",
    "extraImagePullSecrets",
    "extraCertificateSecrets",
    // and the usual suspects
    "apiKey",
    "api_key",
    "API-KEY",
    "accountKey",
    "connectionString",
    "ConnectionStrings",
    "sasToken",
    "sasUrl",
    "SAS",
    "privateKey",
    "clientCredentials",
    "passwd",
    "pwd",
    "auth",
    "key",
    "webhook",
    "dsn",
  ])("%s holds a secret", (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    "existingSecret",
    "existingSecretPasswordKey",
    "passwordSecretName",
    "secretRef",
    "secretName",
    "secretKeyRef",
    "keyName",
    "keyVaultName",
    "tokenSecretNames",
    "name",
    "username",
    "tag",
    "image",
    "replicas",
    "monkey",
    "keyboardLayout",
    "authority",
    "packages",
    "certManager",
  ])("%s does not", (key) => {
    expect(isSecretKey(key)).toBe(false);
  });

  it.each(["existingSecret", "passwordSecretName", "secretRef", "keyName", "name"])("%s names a secret", (key) => {
    expect(isSecretNameKey(key)).toBe(true);
  });
});
