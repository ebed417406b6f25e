import { mkdir, readFile, writeFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import path from "node:path";
import { generate } from "selfsigned";

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const DAY = 86_400_000;

/**
 * A CA plus one server certificate for 127.0.0.1/localhost, signed by it and shared by the ARM and API servers.
 * Cached under `dir` so a restarted simulator keeps the CA that kubeconfigs already trust.
 */
export async function loadOrCreateTls(dir: string): Promise<TlsMaterial> {
  const files = { ca: path.join(dir, "ca.crt"), cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") };
  const cached = await readCached(files);
  if (cached) return cached;
  const material = await createTls();
  await mkdir(dir, { recursive: true });
  await writeFile(files.ca, material.caCertPem);
  await writeFile(files.cert, material.certPem);
  await writeFile(files.key, material.keyPem, { mode: 0o600 });
  return material;
}

async function readCached(files: { ca: string; cert: string; key: string }): Promise<TlsMaterial | undefined> {
  try {
    const [caCertPem, certPem, keyPem] = await Promise.all([
      readFile(files.ca, "utf8"),
      readFile(files.cert, "utf8"),
      readFile(files.key, "utf8"),
    ]);
    const cert = new X509Certificate(certPem);
    const stillValid = Date.parse(cert.validTo) - Date.now() > DAY;
    return stillValid && cert.checkIssued(new X509Certificate(caCertPem)) ? { caCertPem, certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}

async function createTls(): Promise<TlsMaterial> {
  // Real wall time: TLS peers check validity against their own clocks, not the simulated one.
  const notBeforeDate = new Date(Date.now() - DAY);
  const notAfterDate = new Date(Date.now() + 365 * DAY);
  const ca = await generate([{ name: "commonName", value: "cluedin-sim-ca" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { caCertPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
