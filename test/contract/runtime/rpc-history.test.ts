/**
 * The history the approval page shows, read through the durable client's local RPC endpoint (rpcBaseUrl) as
 * durable-functions' own DurableClient does, so that App Service sign-in in front of the public webhooks does not
 * break it; the RPC route serves showHistory/showHistoryOutput as the extension's HttpApiHandler does on both.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchHistory } from "../../../functions/durable.js";
import { completedChain, durableClient, fixture, startRuntime, type TestRuntime } from "./fixtures/harness.js";

const { orchestrators } = fixture;

let t: TestRuntime;
beforeEach(async () => {
  t = await startRuntime();
});
afterEach(async () => {
  await t.dispose();
});

const webhook = (path: string): Promise<Response> =>
  fetch(`${t.runtime.baseUrl}/runtime/webhooks/durabletask/${path}&code=${t.runtime.systemKey}`);
const rpc = (path: string): Promise<Response> => fetch(`${t.runtime.baseUrl}/durabletask/${path}`);

async function json<T = unknown>(response: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const res = await response;
  return { status: res.status, body: JSON.parse(await res.text()) as T };
}

const completed = (instanceId: string, input = 1): Promise<string> => completedChain(t.runtime, instanceId, input);

describe("history through the RPC endpoint", () => {
  it("serves showHistory and showHistoryOutput on the RPC route exactly as on the webhook", async () => {
    const id = await completed("history-1", 3);
    const query = "showHistory=true&showHistoryOutput=true";
    const viaRpc = await json<{ historyEvents: Record<string, unknown>[] }>(rpc(`instances/${id}?${query}`));
    const viaWebhook = await json(webhook(`instances/${id}?${query}`));
    expect(viaRpc).toEqual(viaWebhook);
    expect(viaRpc.body.historyEvents.filter((e) => e.EventType === "TaskCompleted")).toHaveLength(3);
    expect(viaRpc.body.historyEvents.at(-1)).toMatchObject({ EventType: "ExecutionCompleted", Result: 3 });
  });

  it("fetchHistory reads through rpcBaseUrl when the public webhook redirects to sign-in", async () => {
    const behindSignIn = await startRuntime({ webhookSignIn: true });
    try {
      const runtime = behindSignIn.runtime;
      const id = await runtime.startNew(orchestrators.chain, { instanceId: "signed-in", input: 2 });
      await runtime.waitForCompletion(id);
      const data = runtime.clientData();
      const statusUri = data.managementUrls.statusQueryGetUri!.replace("INSTANCEID", id);
      const redirected = await fetch(statusUri, { redirect: "manual" });
      expect(redirected.status).toBe(302);
      expect(new URL(redirected.headers.get("location")!).pathname).toBe("/.auth/login/aad");
      const signInPage = await fetch(statusUri);
      expect(signInPage.status).toBe(200);
      expect(signInPage.headers.get("content-type")).toContain("text/html");

      const history = await fetchHistory(durableClient(data), id);
      expect(history.filter((e) => e.EventType === "TaskCompleted").map((e) => e.Result)).toEqual([1, 2]);
      // Without an RPC base the webhook is the fallback; its sign-in redirect is not followed into an HTML page.
      const { rpcBaseUrl: _, ...withoutRpc } = data;
      expect(await fetchHistory(durableClient(withoutRpc), id)).toEqual([]);
    } finally {
      await behindSignIn.dispose();
    }
  });

  it("falls back to the webhook URL when the binding data has no RPC base", async () => {
    const id = await completed("history-2", 2);
    const { rpcBaseUrl: _, ...withoutRpc } = t.runtime.clientData();
    const history = await fetchHistory(durableClient(withoutRpc), id);
    expect(history.at(-1)).toMatchObject({ EventType: "ExecutionCompleted", Result: 2 });
  });
});
