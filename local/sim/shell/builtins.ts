import { normalize } from "./run.js";
import { fail, ok, type Program } from "./types.js";

const echo: Program = (args, _ctx, done) => {
  const noNewline = args[0] === "-n";
  const words = noNewline ? args.slice(1) : args;
  done(ok(`${words.join(" ")}${noNewline ? "" : "\n"}`));
};

const printf: Program = (args, _ctx, done) => {
  const [format = "", ...rest] = args;
  let index = 0;
  const text = format
    .replace(/%[sd]/g, () => rest[index++] ?? "")
    .replace(/\\n/g, "\n")
    .replace(/\\t/g, "\t");
  done(ok(text));
};

const cat: Program = (args, ctx, done) => {
  if (args.length === 0 || (args.length === 1 && args[0] === "-")) {
    done(ok(ctx.stdin));
    return;
  }
  let out = "";
  for (const path of args) {
    const content = ctx.files.get(normalize(path));
    if (content === undefined) {
      done(fail(1, `cat: ${path}: No such file or directory\n`, out));
      return;
    }
    out += content;
  }
  done(ok(out));
};

const ls: Program = (_args, ctx, done) =>
  done(
    ok(
      [...ctx.files.keys()]
        .sort()
        .map((f) => `${f}\n`)
        .join(""),
    ),
  );

const sleep: Program = (args, ctx, done) => {
  const seconds = Number(args[0]?.replace(/s$/, ""));
  if (!Number.isFinite(seconds) || seconds < 0) {
    done(fail(1, `sleep: invalid time interval '${args[0] ?? ""}'\n`));
    return;
  }
  ctx.host.schedule(ctx.host.now() + seconds * 1000 * ctx.host.scale, () => done(ok()));
};

const sh: Program = (args, ctx, done) => {
  if (args[0] === "-c") {
    ctx.runScript(args[1] ?? "", ctx.stdin, done);
    return;
  }
  const file = args.find((a) => !a.startsWith("-"));
  if (file === undefined) {
    ctx.runScript(ctx.stdin, "", done);
    return;
  }
  const script = ctx.files.get(normalize(file));
  if (script === undefined) {
    done(fail(2, `sh: 0: cannot open ${file}: No such file\n`));
    return;
  }
  ctx.runScript(script, ctx.stdin, done);
};

const base64: Program = (args, ctx, done) => {
  const decode = args.includes("-d") || args.includes("--decode");
  const file = args.find((a) => !a.startsWith("-"));
  const input = file === undefined ? ctx.stdin : ctx.files.get(normalize(file));
  if (input === undefined) {
    done(fail(1, `base64: ${file ?? ""}: No such file or directory\n`));
    return;
  }
  done(
    ok(decode ? Buffer.from(input.trim(), "base64").toString("utf8") : `${Buffer.from(input).toString("base64")}\n`),
  );
};

const grep: Program = (args, ctx, done) => {
  const flags = args.filter((a) => a.startsWith("-"));
  const [pattern = "", file] = args.filter((a) => !a.startsWith("-"));
  const input = file === undefined ? ctx.stdin : (ctx.files.get(normalize(file)) ?? "");
  const invert = flags.some((f) => f.includes("v"));
  const ignoreCase = flags.some((f) => f.includes("i"));
  const quiet = flags.some((f) => f.includes("q"));
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, ignoreCase ? "i" : "");
  } catch {
    regex = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), ignoreCase ? "i" : "");
  }
  const lines = input
    .split("\n")
    .filter((line, i, all) => (i < all.length - 1 || line !== "") && regex.test(line) !== invert);
  done({ code: lines.length ? 0 : 1, stdout: quiet ? "" : lines.map((l) => `${l}\n`).join(""), stderr: "" });
};

const headTail =
  (fromEnd: boolean): Program =>
  (args, ctx, done) => {
    const nIndex = args.indexOf("-n");
    const count = nIndex >= 0 ? Number(args[nIndex + 1]) : Number(args.find((a) => /^-\d+$/.test(a))?.slice(1) ?? 10);
    const lines = ctx.stdin.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const picked = fromEnd ? lines.slice(Math.max(0, lines.length - count)) : lines.slice(0, count);
    done(ok(picked.map((l) => `${l}\n`).join("")));
  };

const wc: Program = (args, ctx, done) => {
  const lines = ctx.stdin.split("\n").length - 1;
  done(
    ok(
      args.includes("-l")
        ? `${lines}\n`
        : `${lines} ${ctx.stdin.split(/\s+/).filter(Boolean).length} ${Buffer.byteLength(ctx.stdin)}\n`,
    ),
  );
};

export const BUILTINS: Record<string, Program> = {
  echo,
  printf,
  cat,
  ls,
  sleep,
  sh,
  bash: sh,
  base64,
  grep,
  head: headTail(false),
  tail: headTail(true),
  wc,
  true: (_args, _ctx, done) => done(ok()),
  false: (_args, _ctx, done) => done(fail(1, "")),
  cd: (_args, _ctx, done) => done(ok()),
  pwd: (_args, _ctx, done) => done(ok("/command-files\n")),
};
