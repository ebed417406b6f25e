/**
 * Which keys hold secrets. CluedIn's chart (REFERENCE §7) keeps passwords, tokens, license keys, webhook URLs and
 * certificate keys under keys such as `sapassword`, `hubspotToken`, `licenseKey`, `alertWebhookUrl`, `tlsKey`,
 * `erlangCookie`; `extraSecrets` and `extraImagePullSecrets` hold nothing but secrets. Keys that hold the *name*
 * of a Kubernetes Secret (`existingSecret`, `passwordSecretName`, `secretRef`, `keyName`) are not secrets: they stay.
 * Erring towards redaction is cheap; a leaked password is not.
 */

/** Found anywhere in the key, case and separators ignored. */
const SECRET_FRAGMENTS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "accesskey",
  "accountkey",
  "sharedaccess",
  "connectionstring",
  "connstr",
  "erlangcookie",
  "cookie",
  "licensekey",
  "license",
  "webhookurl",
  "webhook",
  "private",
  "credential",
  "signature",
];

/** Whole words of the key (`tlsKey` -> tls, key; `sasUrl` -> sas, url). */
const SECRET_WORDS = new Set(["key", "sas", "pwd", "pass", "auth", "authorization", "dsn", "sig", "pfx", "jwt"]);

/** The key names a Secret, a key inside one, or a reference to one. */
const NAME_SUFFIXES = ["name", "names", "ref", "refs"];

export const normalizeKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

export function keyWords(key: string): string[] {
  return (
    key
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      // `HTTPServer` -> `HTTP Server`, one look-ahead per letter: `([A-Z]+)([A-Z][a-z])` rescanned a long capital run
      // from every position (quadratic).
      .replace(/([A-Z])(?=[A-Z][a-z])/g, "$1 ")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word !== "")
  );
}

/** The key names a secret rather than holding one: `existingSecret`, `passwordSecretName`, `secretRef`, `keyName`. */
export function isSecretNameKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  return words[0] === "existing" || (last !== undefined && NAME_SUFFIXES.includes(last));
}

/** Does the value under this key hold a secret (or, for a mapping or list, secrets)? */
export function isSecretKey(key: string): boolean {
  if (isSecretNameKey(key)) return false;
  const normalized = normalizeKey(key);
  if (SECRET_FRAGMENTS.some((fragment) => normalized.includes(fragment))) return true;
  return keyWords(key).some((word) => SECRET_WORDS.has(word));
}
