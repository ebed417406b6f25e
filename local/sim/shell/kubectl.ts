import { parseAllDocuments, stringify } from "yaml";
import { parseGoDuration } from "../core/format.js";
import { isMap } from "../core/values.js";
import type { ApiResult } from "../kube/api.js";
import { apiVersionOf, resolveResourceName, RESOURCES, type ResourceDef } from "../kube/resources.js";
import type { ApiFailure } from "../kube/status.js";
import { renderTable, toTable } from "../kube/tables.js";
import type { KubeObject } from "../kube/types.js";
import { parseFlags, type FlagSpec, type ParsedFlags } from "./flags.js";
import { renderJsonPath } from "./jsonpath.js";
import { fetchCrdManifest } from "../model/monitoring.js";
import { rabbitmqctl } from "./rabbitmqctl.js";
import { normalize } from "./run.js";
import { fail, ok, type Exit, type Program, type ProgramContext } from "./types.js";

const GLOBAL: FlagSpec[] = [
  { name: "namespace", short: "n", type: "string" },
  { name: "kubeconfig", type: "string" },
  { name: "context", type: "string" },
  { name: "request-timeout", type: "string" },
  { name: "v", short: "v", type: "string" },
];

const FLAGS: Record<string, FlagSpec[]> = {
  get: [
    { name: "all-namespaces", short: "A", type: "bool" },
    { name: "selector", short: "l", type: "string" },
    { name: "field-selector", type: "string" },
    { name: "output", short: "o", type: "string" },
    { name: "no-headers", type: "bool" },
    { name: "show-labels", type: "bool" },
    { name: "ignore-not-found", type: "bool" },
    { name: "watch", short: "w", type: "bool" },
    { name: "chunk-size", type: "string" },
  ],
  apply: [
    { name: "filename", short: "f", type: "strings" },
    { name: "output", short: "o", type: "string" },
    { name: "server-side", type: "bool" },
    { name: "dry-run", type: "string" },
    { name: "validate", type: "string" },
    { name: "force-conflicts", type: "bool" },
    { name: "field-manager", type: "string" },
  ],
  create: [
    { name: "filename", short: "f", type: "strings" },
    { name: "output", short: "o", type: "string" },
    { name: "dry-run", type: "string" },
  ],
  delete: [
    { name: "filename", short: "f", type: "strings" },
    { name: "ignore-not-found", type: "bool" },
    { name: "wait", type: "bool" },
    { name: "selector", short: "l", type: "string" },
  ],
  logs: [
    { name: "container", short: "c", type: "string" },
    { name: "tail", type: "string" },
    { name: "since", type: "string" },
    { name: "since-time", type: "string" },
    { name: "timestamps", type: "bool" },
    { name: "previous", short: "p", type: "bool" },
    { name: "follow", short: "f", type: "bool" },
    { name: "selector", short: "l", type: "string" },
    { name: "limit-bytes", type: "string" },
  ],
  exec: [
    { name: "container", short: "c", type: "string" },
    { name: "stdin", short: "i", type: "bool" },
    { name: "tty", short: "t", type: "bool" },
  ],
  version: [
    { name: "client", type: "bool" },
    { name: "output", short: "o", type: "string" },
  ],
};

const err = (message: string, code = 1): Exit => fail(code, `${message}\n`);

function serverError(failure: ApiFailure, prefix = ""): string {
  if (failure.code === 422) {
    const causes =
      failure.body.details?.causes?.map((c) => `${c.field}: ${c.message}`).join(", ") ?? failure.body.message;
    return `The ${failure.body.details?.kind ?? ""} "${failure.body.details?.name ?? ""}" is invalid: ${causes}`;
  }
  return `Error from server (${failure.body.reason}): ${prefix}${failure.body.message}`;
}

const qualified = (def: ResourceDef): string => (def.group ? `${def.singular}.${def.group}` : def.singular);

/** `kubectl` as the Run Command image has it: get, apply, create, delete, logs, exec, version. */
export const kubectl: Program = (argv, ctx, done) => {
  const [command = "", ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    done(ok("kubectl controls the Kubernetes cluster manager.\n"));
    return;
  }
  const specs = FLAGS[command];
  if (!specs) {
    done(
      err(
        `error: unknown command "${command}" for "kubectl"\n\nDid you mean this?\n\tget\n\nRun 'kubectl --help' for usage.`,
      ),
    );
    return;
  }
  const parsed = parseFlags(rest, [...GLOBAL, ...specs]);
  if (!parsed.ok) {
    done(err(`error: ${parsed.reason}\nSee 'kubectl ${command} --help' for usage.`));
    return;
  }
  const flags = parsed.flags;
  const namespace = flags.string.get("namespace") ?? "default";
  if (command === "version") {
    const client = "Client Version: v1.30.6\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n";
    done(
      flags.bool.get("client") || !ctx.host.authorized
        ? ok(client)
        : ok(`${client}Server Version: v${ctx.host.kubernetesVersion}\n`),
    );
    return;
  }
  if (!ctx.host.authorized) {
    done(err("error: You must be logged in to the server (Unauthorized)"));
    return;
  }
  switch (command) {
    case "get":
      return done(get(flags, namespace, ctx));
    case "apply":
    case "create":
      return done(applyFiles(flags, namespace, ctx, command));
    case "delete":
      return done(remove(flags, namespace, ctx));
    case "logs":
      return done(logs(flags, namespace, ctx));
    case "exec":
      return done(exec(flags, namespace, ctx));
  }
};

function splitTargets(
  args: string[],
): { ok: true; targets: { def: ResourceDef; names: string[] }[] } | { ok: false; exit: Exit } {
  const targets: { def: ResourceDef; names: string[] }[] = [];
  const lookup = (name: string): ResourceDef | undefined => resolveResourceName(name);
  if (args.some((a) => a.includes("/"))) {
    for (const arg of args) {
      const [type = "", name = ""] = arg.split("/", 2);
      const def = lookup(type);
      if (!def) return { ok: false, exit: err(`error: the server doesn't have a resource type "${type}"`) };
      const existing = targets.find((t) => t.def === def);
      if (existing) existing.names.push(name);
      else targets.push({ def, names: [name] });
    }
    return { ok: true, targets };
  }
  const [types = "", ...names] = args;
  for (const type of types.split(",")) {
    if (type === "all") {
      for (const def of RESOURCES.filter((r) => r.categories.includes("all"))) targets.push({ def, names });
      continue;
    }
    const def = lookup(type);
    if (!def) return { ok: false, exit: err(`error: the server doesn't have a resource type "${type}"`) };
    targets.push({ def, names });
  }
  return { ok: true, targets };
}

function get(flags: ParsedFlags, namespace: string, ctx: ProgramContext): Exit {
  if (flags.args.length === 0) {
    return err(
      'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.',
    );
  }
  const split = splitTargets(flags.args);
  if (!split.ok) return split.exit;
  const allNamespaces = flags.bool.get("all-namespaces") ?? false;
  const output = flags.string.get("output") ?? "";
  const validOutput = /^(|wide|json|yaml|name|jsonpath=.*|jsonpath-as-json=.*)$/.test(output);
  if (!validOutput) {
    return err(
      `error: unable to match a printer suitable for the output format "${output}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml`,
    );
  }
  const now = ctx.host.now();
  let stdout = "";
  let stderr = "";
  const found: KubeObject[] = [];
  const multipleTypes = split.targets.length > 1;
  let code = 0;
  for (const { def, names } of split.targets) {
    let objects: KubeObject[] = [];
    if (names.length) {
      for (const name of names) {
        const result = ctx.host.kube.get(def, namespace, name);
        if (result.ok) objects.push(result.value);
        else if (!(flags.bool.get("ignore-not-found") && result.failure.code === 404)) {
          stderr += `${serverError(result.failure)}\n`;
          code = 1;
        }
      }
    } else {
      const result = ctx.host.kube.list(
        def,
        allNamespaces ? undefined : namespace,
        flags.string.get("selector"),
        flags.string.get("field-selector"),
      );
      if (!result.ok) return err(serverError(result.failure));
      objects = result.value.items;
    }
    found.push(...objects);
    if (output === "" || output === "wide") {
      if (!objects.length) continue;
      const table = toTable(def, objects, now, "");
      if (allNamespaces && def.namespaced) {
        table.columnDefinitions = [
          { name: "Namespace", type: "string", format: "", description: "", priority: 0 },
          ...table.columnDefinitions,
        ];
        table.rows = table.rows.map((row, i) => ({
          ...row,
          cells: [objects[i]?.metadata.namespace ?? "", ...row.cells],
        }));
      }
      if (stdout && multipleTypes) stdout += "\n";
      stdout += renderTable(table, {
        wide: output === "wide",
        noHeaders: flags.bool.get("no-headers") ?? false,
        ...(multipleTypes ? { prefix: qualified(def) } : {}),
        showLabels: flags.bool.get("show-labels") ?? false,
      });
    } else if (output === "name") {
      stdout += objects.map((o) => `${qualified(def)}/${o.metadata.name}\n`).join("");
    }
  }
  if ((output === "" || output === "wide") && found.length === 0 && code === 0) {
    stderr += allNamespaces ? "No resources found\n" : `No resources found in ${namespace} namespace.\n`;
  }
  if (output === "json" || output === "yaml" || output.startsWith("jsonpath")) {
    const single = split.targets.length === 1 && split.targets[0]?.names.length === 1;
    const data: unknown = single
      ? found[0]
      : { apiVersion: "v1", items: found, kind: "List", metadata: { resourceVersion: "" } };
    if (single && found.length === 0) return { code, stdout, stderr };
    if (output === "json") stdout += `${JSON.stringify(data, null, 4)}\n`;
    else if (output === "yaml") stdout += stringify(data);
    else {
      const template = output.slice(output.indexOf("=") + 1).replace(/^'(.*)'$/, "$1");
      const rendered = renderJsonPath(template, data);
      if (!rendered.ok)
        return err(
          `error: error executing jsonpath "${template}": Error executing template: ${rendered.reason}. Printing more information for debugging the template:`,
        );
      stdout += rendered.text;
    }
  }
  return { code, stdout, stderr };
}

function readManifests(
  flags: ParsedFlags,
  ctx: ProgramContext,
): { ok: true; docs: { file: string; body: unknown; url?: string }[] } | { ok: false; exit: Exit } {
  const files = flags.strings.get("filename") ?? [];
  if (!files.length) return { ok: false, exit: err("error: must specify one of -f and -k") };
  const docs: { file: string; body: unknown; url?: string }[] = [];
  for (const file of files) {
    let text: string | undefined;
    const url = /^https?:\/\//.test(file) ? file : undefined;
    if (url !== undefined) {
      // kubectl fetches -f URLs itself; the simulated network serves prometheus-operator's example CRDs only.
      const fetched = fetchCrdManifest(url, ctx.host.now());
      if (!fetched.ok) return { ok: false, exit: err(fetched.error) };
      text = fetched.text;
    } else text = file === "-" ? ctx.stdin : ctx.files.get(normalize(file));
    if (text === undefined) return { ok: false, exit: err(`error: the path "${file}" does not exist`) };
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        const line = doc.errors[0]?.linePos?.[0].line ?? 1;
        return {
          ok: false,
          exit: err(
            `error: error parsing ${file === "-" ? "STDIN" : file}: error converting YAML to JSON: yaml: line ${line}: did not find expected key`,
          ),
        };
      }
      const body: unknown = doc.toJS();
      if (body !== null && body !== undefined)
        docs.push({ file: file === "-" ? "STDIN" : file, body, ...(url !== undefined ? { url } : {}) });
    }
  }
  if (!docs.length) return { ok: false, exit: err("error: no objects passed to apply") };
  return { ok: true, docs };
}

function defForDoc(body: unknown): ResourceDef | string {
  if (!isMap(body)) return "error: error validating data: invalid object to validate";
  const apiVersion = typeof body.apiVersion === "string" ? body.apiVersion : "";
  const kind = typeof body.kind === "string" ? body.kind : "";
  if (!apiVersion || !kind)
    return `error: error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false`;
  const def = RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  const name = isMap(body.metadata) && typeof body.metadata.name === "string" ? body.metadata.name : "";
  return (
    def ??
    `error: resource mapping not found for name: "${name}" namespace: "" from "": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`
  );
}

function applyFiles(flags: ParsedFlags, defaultNamespace: string, ctx: ProgramContext, verb: "apply" | "create"): Exit {
  const manifests = readManifests(flags, ctx);
  if (!manifests.ok) return manifests.exit;
  let stdout = "";
  let stderr = "";
  let code = 0;
  const serverSide = verb === "apply" && (flags.bool.get("server-side") ?? false);
  const via = `kubectl ${verb}`;
  for (const { file, body, url } of manifests.docs) {
    const def = defForDoc(body);
    if (typeof def === "string") {
      stderr += `${def}\n`;
      code = 1;
      continue;
    }
    const object = body as KubeObject;
    const namespace = def.namespaced
      ? typeof object.metadata?.namespace === "string"
        ? object.metadata.namespace
        : defaultNamespace
      : undefined;
    const name = object.metadata?.name ?? "";
    const existing = name ? ctx.host.kube.get(def, namespace, name) : undefined;
    let result: ApiResult<KubeObject>;
    let action: string;
    if (existing?.ok && verb === "apply") {
      const annotations = existing.value.metadata.annotations ?? {};
      const same =
        JSON.stringify(existing.value.spec) === JSON.stringify(object.spec) &&
        Object.entries(object.metadata.annotations ?? {}).every(([k, v]) => annotations[k] === v);
      if (same) {
        stdout += `${qualified(def)}/${name} ${serverSide ? "serverside-applied" : "unchanged"}\n`;
        continue;
      }
      result = ctx.host.kube.patch(
        def,
        namespace,
        name,
        {
          spec: object.spec ?? null,
          metadata: {
            labels: object.metadata.labels ?? null,
            ...(object.metadata.annotations ? { annotations: object.metadata.annotations } : {}),
          },
        },
        "application/merge-patch+json",
        undefined,
        via,
        url,
      );
      action = serverSide ? "serverside-applied" : "configured";
    } else {
      // Server-side apply records field managers instead of the last-applied annotation.
      const annotated = verb === "apply" && !serverSide ? withLastApplied(object) : object;
      result = ctx.host.kube.create(def, namespace, annotated, via, true, url);
      action = serverSide ? "serverside-applied" : "created";
    }
    if (result.ok) stdout += `${qualified(def)}/${result.value.metadata.name} ${action}\n`;
    else {
      const when = action === "created" ? "creating" : "patching";
      stderr += `${result.failure.code === 422 ? serverError(result.failure) : serverError(result.failure, `error when ${when} "${file}": `)}\n`;
      code = 1;
    }
  }
  return { code, stdout, stderr };
}

function withLastApplied(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  copy.metadata = {
    ...copy.metadata,
    annotations: {
      ...(copy.metadata.annotations ?? {}),
      "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(object)}\n`,
    },
  };
  return copy;
}

function remove(flags: ParsedFlags, namespace: string, ctx: ProgramContext): Exit {
  const targets: { def: ResourceDef; namespace: string | undefined; name: string }[] = [];
  if (flags.strings.get("filename")?.length) {
    const manifests = readManifests(flags, ctx);
    if (!manifests.ok) return manifests.exit;
    for (const { body } of manifests.docs) {
      const def = defForDoc(body);
      if (typeof def === "string") return err(def);
      const object = body as KubeObject;
      targets.push({ def, namespace: object.metadata?.namespace ?? namespace, name: object.metadata?.name ?? "" });
    }
  } else {
    const split = splitTargets(flags.args);
    if (!split.ok) return split.exit;
    for (const { def, names } of split.targets) {
      if (!names.length) return err(`error: resource(s) were provided, but no name was specified`);
      for (const name of names) targets.push({ def, namespace, name });
    }
  }
  let stdout = "";
  let stderr = "";
  let code = 0;
  for (const target of targets) {
    const result = ctx.host.kube.delete(
      target.def,
      target.def.namespaced ? target.namespace : undefined,
      target.name,
      "kubectl delete",
    );
    if (result.ok) stdout += `${qualified(target.def)} "${target.name}" deleted\n`;
    else if (!(result.failure.code === 404 && flags.bool.get("ignore-not-found"))) {
      stderr += `${serverError(result.failure)}\n`;
      code = 1;
    }
  }
  return { code, stdout, stderr };
}

function resolvePod(target: string, namespace: string, ctx: ProgramContext): ApiResult<KubeObject> | string {
  if (!target.includes("/"))
    return ctx.host.kube.get(RESOURCES.find((r) => r.plural === "pods") as ResourceDef, namespace, target);
  const [type = "", name = ""] = target.split("/", 2);
  const def = resolveResourceName(type);
  if (!def) return `error: the server doesn't have a resource type "${type}"`;
  const owner = ctx.host.kube.get(def, namespace, name);
  if (!owner.ok || def.plural === "pods") return owner;
  const selector =
    owner.value.spec &&
    isMap(owner.value.spec) &&
    isMap(owner.value.spec.selector) &&
    isMap(owner.value.spec.selector.matchLabels)
      ? Object.entries(owner.value.spec.selector.matchLabels)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(",")
      : "";
  const pods = ctx.host.kube.list(RESOURCES.find((r) => r.plural === "pods") as ResourceDef, namespace, selector);
  if (!pods.ok) return pods;
  const pod = pods.value.items.find((p) => !p.metadata.deletionTimestamp) ?? pods.value.items[0];
  return pod ? { ok: true, value: pod } : `error: timed out waiting for the condition`;
}

function logs(flags: ParsedFlags, namespace: string, ctx: ProgramContext): Exit {
  const target = flags.args[0];
  if (!target)
    return err(
      "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples",
    );
  const pod = resolvePod(target, namespace, ctx);
  if (typeof pod === "string") return err(pod);
  if (!pod.ok) return err(serverError(pod.failure));
  const since = flags.string.get("since");
  const sinceMs = since === undefined ? undefined : parseGoDuration(since);
  if (since !== undefined && sinceMs === undefined)
    return err(`error: invalid argument "${since}" for "--since" flag: time: invalid duration "${since}"`);
  const tail = flags.string.get("tail");
  const container = flags.string.get("container");
  const result = ctx.host.kube.logs(namespace, pod.value.metadata.name, {
    ...(container !== undefined ? { container } : {}),
    ...(tail !== undefined && Number(tail) >= 0 ? { tailLines: Number(tail) } : {}),
    ...(sinceMs !== undefined ? { sinceSeconds: Math.ceil(sinceMs / 1000) } : {}),
    timestamps: flags.bool.get("timestamps") ?? false,
    previous: flags.bool.get("previous") ?? false,
  });
  return result.ok ? ok(result.value) : err(serverError(result.failure));
}

function exec(flags: ParsedFlags, namespace: string, ctx: ProgramContext): Exit {
  const [target, ...command] = flags.args;
  if (!target || command.length === 0) return err("error: you must specify at least one command for the container");
  const pod = resolvePod(target, namespace, ctx);
  if (typeof pod === "string") return err(pod);
  if (!pod.ok) return err(serverError(pod.failure));
  const status = pod.value.status as { phase?: string } | undefined;
  if (status?.phase !== "Running") {
    return err(
      `error: unable to upgrade connection: container not found ("${flags.string.get("container") ?? pod.value.metadata.name}")`,
    );
  }
  const [program = "", ...args] = command;
  const isRabbit = pod.value.metadata.labels?.app === "rabbitmq";
  if (program === "rabbitmqctl" && isRabbit) {
    const exit = rabbitmqctl(args, ctx.host.queues());
    return exit.code === 0
      ? exit
      : { ...exit, stderr: `${exit.stderr}command terminated with exit code ${exit.code}\n` };
  }
  if (program === "env" || program === "printenv") {
    const spec = pod.value.spec as { containers?: { env?: { name: string; value: string }[] }[] } | undefined;
    const env = spec?.containers?.[0]?.env ?? [];
    return ok(`HOSTNAME=${pod.value.metadata.name}\n${env.map((e) => `${e.name}=${e.value}\n`).join("")}`);
  }
  if (program === "hostname") return ok(`${pod.value.metadata.name}\n`);
  return fail(
    126,
    `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\ncommand terminated with exit code 126\n`,
  );
}
