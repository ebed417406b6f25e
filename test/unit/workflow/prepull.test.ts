import { describe, expect, it } from "vitest";
import {
  checkCapacity,
  checkDisk,
  evaluatePrePull,
  imagePresence,
  NODE_STATUS_MAX_IMAGES,
  parseQuantity,
  prePullDaemonSet,
  prePullDeadline,
  prePullName,
  targetImages,
  verifyImages,
  type NodeFacts,
  type NodeImage,
  type PodFacts,
} from "../../../lib/workflow/prepull.js";

const Gi = 1024 ** 3;
const GB = 1e9;
const REG = "cluedinprod.azurecr.io";

const node = (name: string, images: NodeImage[] = [], extra: Partial<NodeFacts> = {}): NodeFacts => ({
  name,
  allocatable: { cpu: 7820, memory: 56 * Gi, pods: 110 },
  ephemeralCapacityBytes: 128 * GB,
  images,
  ...extra,
});

/** `count` small system images, as an AKS node holds them. */
const filler = (count: number, size = 50e6): NodeImage[] =>
  Array.from({ length: count }, (_, i) => ({
    names: [`mcr.microsoft.com/oss/kubernetes/sys-${i}:v1`],
    sizeBytes: size,
  }));

describe("parseQuantity", () => {
  it.each([
    ["500m", "cpu", 500],
    ["6.5", "cpu", 6500],
    ["1", "cpu", 1000],
    ["26Gi", "bytes", 26 * Gi],
    ["2G", "bytes", 2e9],
    ["64Mi", "bytes", 64 * 1024 ** 2],
    ["129886128Ki", "bytes", 129886128 * 1024],
    ["garbage!", "bytes", 0],
    [undefined, "cpu", 0],
  ] as const)("%s as %s is %d", (text, unit, expected) => {
    expect(parseQuantity(text, unit)).toBe(expected);
  });
});

describe("targetImages", () => {
  it("moves the images on the platform tag to the target tag and leaves pinned infrastructure images", () => {
    const current = [
      `${REG}/cluedin/cluedin-server:2024.12.01`,
      `${REG}/cluedin/cluedin-server:2024.12.01`,
      `${REG}/cluedin/ui:2024.12.01`,
      `${REG}/bitnami/rabbitmq:3.12.14-debian-12-r7`,
      `${REG}/cluedin/neo4j:2024.12`,
      "localhost:5000/cluedin/controller:2024.12.01",
    ];
    expect(targetImages(current, "2024.12.01", "2024.12.02")).toEqual([
      `${REG}/cluedin/cluedin-server:2024.12.02`,
      `${REG}/cluedin/ui:2024.12.02`,
      "localhost:5000/cluedin/controller:2024.12.02",
    ]);
  });
});

describe("checkCapacity", () => {
  const workloads = [
    { name: "cluedin-neo4j", replicas: 1, requests: { cpu: 6500, memory: 26 * Gi } },
    { name: "cluedin-server", replicas: 1, requests: { cpu: 500, memory: 2 * Gi } },
  ];

  it("fits the pods on nodes with room", () => {
    expect(checkCapacity([node("n0"), node("n1")], [], workloads)).toEqual([]);
  });

  it("counts what other pods request on each node and names the node with the most room", () => {
    const others: PodFacts[] = [
      { node: "n0", requests: { cpu: 2000, memory: 40 * Gi }, images: [] },
      { node: "n1", requests: { cpu: 3000, memory: 10 * Gi }, images: [] },
      // CluedIn's own pods are replaced, not added to.
      { node: "n1", workload: "cluedin-neo4j", requests: { cpu: 6500, memory: 26 * Gi }, images: [] },
    ];
    const findings = checkCapacity([node("n0"), node("n1")], others, workloads);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: "node-capacity", node: "n1" });
    expect(findings[0]?.message).toBe(
      "no node has room for cluedin-neo4j (requests cpu 6500m, memory 26.0 GiB): the most is on n1, cpu 4820m and " +
        "memory 46.0 GiB left of allocatable cpu 7820m, memory 56.0 GiB (other pods there request cpu 3000m, memory 10.0 GiB)",
    );
  });
});

describe("imagePresence and the kubelet's 50-image cap", () => {
  const server = `${REG}/cluedin/cluedin-server:2024.12.02`;

  it("finds a listed image by any of its names", () => {
    expect(
      imagePresence([{ names: [`${server}`, `${REG}/cluedin/cluedin-server@sha256:ab`], sizeBytes: 4 * GB }], server),
    ).toBe("present");
  });

  it("calls an unlisted image missing while the list is not full", () => {
    expect(imagePresence(filler(NODE_STATUS_MAX_IMAGES - 1), server, 4 * GB)).toBe("missing");
  });

  it("with a full list: missing when the image would be larger than the smallest listed, else unknown", () => {
    const full = filler(NODE_STATUS_MAX_IMAGES);
    expect(imagePresence(full, server, 4 * GB)).toBe("missing");
    expect(imagePresence(full, `${REG}/cluedin/tiny:1`, 1e6)).toBe("unknown");
    // A name nothing resembles, size unknown: the cap may hide it.
    expect(imagePresence(full, "example.invalid/planted/never-pulled:0")).toBe("unknown");
  });

  it("is not fooled by a longer name or another tag of the same repository", () => {
    const listed = [{ names: [`${REG}/cluedin/cluedin-server:2024.12.02-hotfix`], sizeBytes: 4 * GB }];
    expect(imagePresence(listed, server)).toBe("missing");
  });
});

describe("checkDisk", () => {
  const oldServer = `${REG}/cluedin/cluedin-server:2024.12.01`;
  const newServer = `${REG}/cluedin/cluedin-server:2024.12.02`;
  const pods: PodFacts[] = [
    { node: "n0", workload: "cluedin-server", requests: { cpu: 0, memory: 0 }, images: [oldServer] },
  ];

  it("estimates a missing image from the same repository's other tag and finds room", () => {
    const { findings, needs } = checkDisk(
      [node("n0", [{ names: [oldServer], sizeBytes: 3.9 * GB }])],
      pods,
      [newServer],
      ["n0"],
    );
    expect(findings).toEqual([]);
    expect(needs).toEqual([{ node: "n0", images: [newServer], bytes: 3.9 * GB }]);
  });

  it("blocks when the images in use leave no room below the GC threshold, naming the node and the numbers", () => {
    const nodes = [
      node("n0", [{ names: [oldServer], sizeBytes: 3.9 * GB }, ...filler(10, 1.5 * GB)], {
        ephemeralCapacityBytes: 24 * GB,
      }),
    ];
    // The filler images are used by pods too: nothing the GC may remove.
    const busy: PodFacts[] = [
      ...pods,
      { node: "n0", requests: { cpu: 0, memory: 0 }, images: nodes[0]!.images.flatMap((i) => i.names) },
    ];
    const { findings } = checkDisk(nodes, busy, [newServer], ["n0"]);
    expect(findings).toEqual([
      {
        code: "node-disk",
        node: "n0",
        message:
          "node n0 has no disk room for the new images: they need about 3.9 GB (1 image(s)), images in use take 18.9 GB " +
          "of its 24.0 GB disk, and the kubelet's image garbage collection starts at 85 % (20.4 GB)",
      },
    ]);
  });

  it("lets the kubelet's GC make room when the images taking the disk are unused", () => {
    const nodes = [
      node("n0", [{ names: [oldServer], sizeBytes: 3.9 * GB }, ...filler(10, 1.5 * GB)], {
        ephemeralCapacityBytes: 24 * GB,
      }),
    ];
    expect(checkDisk(nodes, pods, [newServer], ["n0"]).findings).toEqual([]);
  });
});

describe("verifyImages", () => {
  it("reports per node what is present (with bytes), missing and unknown", () => {
    const a = `${REG}/cluedin/ui:2`;
    const b = `${REG}/cluedin/cluedin-server:2`;
    const nodes = [
      node("n0", [
        { names: [a], sizeBytes: 3e8 },
        { names: [b], sizeBytes: 4e9 },
      ]),
      node("n1", [{ names: [a], sizeBytes: 3e8 }]),
    ];
    expect(verifyImages(nodes, [a, b], ["n0", "n1", "n2"])).toEqual([
      { node: "n0", present: [a, b], missing: [], unknown: [], bytes: 4.3e9 },
      { node: "n1", present: [a], missing: [b], unknown: [], bytes: 3e8 },
      { node: "n2", present: [], missing: [a, b], unknown: [], bytes: 0 },
    ]);
  });
});

describe("the pre-pull workload and its wait", () => {
  it("names the DaemonSet after the run, as a DNS label", () => {
    expect(prePullName("demo-20261202t190333z-ad5c36")).toBe("cu-prepull-ad5c36");
    expect(prePullName("Demo_X")).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("has one init container per image that only echoes, a pause container, and the nodes pinned", () => {
    const ds = prePullDaemonSet({
      name: "cu-prepull-x",
      namespace: "cluedin",
      runId: "r",
      images: ["a:1", "b:2"],
      nodes: ["n0"],
    }) as {
      spec: {
        template: {
          spec: { initContainers: { image: string; command: string[] }[]; containers: unknown[]; affinity: unknown };
        };
      };
    };
    const pod = ds.spec.template.spec;
    expect(pod.initContainers.map((c) => c.image)).toEqual(["a:1", "b:2"]);
    expect(pod.initContainers[0]?.command).toEqual(["/bin/sh", "-c", "echo Pulling complete"]);
    expect(pod.containers).toHaveLength(1);
    expect(JSON.stringify(pod.affinity)).toContain('"values":["n0"]');
  });

  it("is done when every scheduled pod is ready, and says why not", () => {
    expect(evaluatePrePull({ found: true, desired: 3, ready: 3, pods: [] })).toMatchObject({ done: true, ok: true });
    const stuck = evaluatePrePull({
      found: true,
      desired: 3,
      ready: 2,
      pods: [{ node: "n2", ready: false, waiting: "x:1: ImagePullBackOff: toomanyrequests" }],
    });
    expect(stuck).toMatchObject({ done: false, ok: false });
    expect(stuck.summary).toBe("2/3 nodes have the images; n2: x:1: ImagePullBackOff: toomanyrequests");
    expect(evaluatePrePull({ found: false, desired: 0, ready: 0, pods: [] })).toMatchObject({ done: true, ok: false });
    expect(evaluatePrePull({ found: true, desired: 0, ready: 0, pods: [] })).toMatchObject({ done: false });
  });

  it("never runs past the start of the maintenance window", () => {
    expect(prePullDeadline(1_000, 600_000, undefined)).toBe(601_000);
    expect(prePullDeadline(1_000, 600_000, 60_000)).toBe(60_000);
    expect(prePullDeadline(1_000, 600_000, 900_000)).toBe(601_000);
    // A start already passed (no window, or open): only the pre-pull's own deadline.
    expect(prePullDeadline(1_000, 600_000, 500)).toBe(601_000);
  });
});
