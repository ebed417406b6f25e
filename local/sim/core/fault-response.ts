import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestFault } from "../model/faults.js";

/**
 * Holds a request without answering (the `timeout` fault): the client's own timeout decides; the connection is
 * dropped after `hangMs` so nothing lingers.
 */
export function hang(req: IncomingMessage, res: ServerResponse, fault: RequestFault): void {
  const timer = setTimeout(() => res.destroy(), fault.hangMs);
  timer.unref();
  req.on("close", () => clearTimeout(timer));
}
