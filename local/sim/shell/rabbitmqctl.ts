import type { QueueRow } from "../model/queues.js";
import { fail, ok, type Exit } from "./types.js";

const COLUMNS = [
  "name",
  "messages",
  "consumers",
  "messages_ready",
  "messages_unacknowledged",
  "durable",
  "state",
] as const;

/** `rabbitmqctl list_queues` inside the RabbitMQ pod, with its table and JSON formatters. */
export function rabbitmqctl(args: string[], queues: QueueRow[]): Exit {
  const [command, ...rest] = args;
  if (command !== "list_queues") {
    return fail(64, `\nError: could not recognise command "${command ?? ""}"\n`);
  }
  let formatter = "table";
  let quiet = false;
  let headers = true;
  const columns: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? "";
    if (arg === "--formatter") formatter = rest[++i] ?? "";
    else if (arg.startsWith("--formatter=")) formatter = arg.slice(12);
    else if (arg === "-q" || arg === "--quiet" || arg === "-s" || arg === "--silent") quiet = true;
    else if (arg === "--no-table-headers") headers = false;
    else if (arg === "-p" || arg === "--vhost") i++;
    else if (arg.startsWith("-")) continue;
    else columns.push(arg);
  }
  const selected = columns.length ? columns : ["name", "messages"];
  const unknown = selected.find((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown) return fail(64, `Error:\nInvalid info key ${unknown}. Valid keys are: ${COLUMNS.join(", ")}\n`);
  const value = (row: QueueRow, column: string): string | number | boolean => {
    switch (column) {
      case "name":
        return row.name;
      case "messages":
      case "messages_ready":
        return row.messages;
      case "consumers":
        return row.consumers;
      case "messages_unacknowledged":
        return 0;
      case "durable":
        return true;
      default:
        return "running";
    }
  };
  const banner = quiet ? "" : "Timeout: 60.0 seconds ...\nListing queues for vhost / ...\n";
  if (formatter === "json") {
    const objects = queues.map((row) => JSON.stringify(Object.fromEntries(selected.map((c) => [c, value(row, c)]))));
    return ok(`${banner}[\n${objects.join("\n,")}\n]\n`);
  }
  if (formatter !== "table") return fail(64, `Error: formatter "${formatter}" is not supported\n`);
  const lines = queues.map((row) => selected.map((c) => String(value(row, c))).join("\t"));
  return ok(`${banner}${headers ? `${selected.join("\t")}\n` : ""}${lines.map((l) => `${l}\n`).join("")}`);
}
