import { parseScript, type AndOr, type Pipeline, type SimpleCommand, type Word } from "./parse.js";
import { fail, type Exit, type Program, type ProgramContext, type ShellHost } from "./types.js";

export interface ShellState {
  files: Map<string, string>;
  env: Map<string, string>;
  errexit: boolean;
}

/**
 * Runs a script with callbacks (programs like `helm upgrade --wait` finish later in simulated time): each and-or
 * list in order, `&&`/`||` short-circuits, pipes pass stdout on, redirects write into the working directory.
 */
export function runScript(
  text: string,
  stdin: string,
  state: ShellState,
  host: ShellHost,
  programs: Record<string, Program>,
  done: (exit: Exit) => void,
): void {
  const parsed = parseScript(text);
  if (!parsed.ok) {
    done(fail(2, `sh: 1: ${parsed.reason}\n`));
    return;
  }
  let stdout = "";
  let stderr = "";
  let last = 0;
  const lists = parsed.script;
  const step = (index: number): void => {
    const list = lists[index];
    if (!list) {
      done({ code: last, stdout, stderr });
      return;
    }
    runAndOr(list, stdin, state, host, programs, (exit) => {
      stdout += exit.stdout;
      stderr += exit.stderr;
      last = exit.code;
      if (exit.fatal !== undefined) done({ code: exit.code, stdout, stderr, fatal: exit.fatal });
      else if (state.errexit && exit.code !== 0) done({ code: exit.code, stdout, stderr });
      else step(index + 1);
    });
  };
  step(0);
}

function runAndOr(
  list: AndOr,
  stdin: string,
  state: ShellState,
  host: ShellHost,
  programs: Record<string, Program>,
  done: (exit: Exit) => void,
): void {
  let stdout = "";
  let stderr = "";
  const run = (pipeline: Pipeline, next: (exit: Exit) => void): void =>
    runPipeline(pipeline, stdin, state, host, programs, (exit) => {
      stdout += exit.stdout;
      stderr += exit.stderr;
      next(exit);
    });
  const step = (index: number, previous: Exit): void => {
    const item = list.rest[index];
    if (!item || previous.fatal !== undefined) {
      done({ ...previous, stdout, stderr });
      return;
    }
    const proceed = item.op === "&&" ? previous.code === 0 : previous.code !== 0;
    if (!proceed) step(index + 1, previous);
    else run(item.pipeline, (exit) => step(index + 1, exit));
  };
  run(list.first, (exit) => step(0, exit));
}

function runPipeline(
  pipeline: Pipeline,
  stdin: string,
  state: ShellState,
  host: ShellHost,
  programs: Record<string, Program>,
  done: (exit: Exit) => void,
): void {
  let stderr = "";
  const step = (index: number, input: string): void => {
    const command = pipeline[index];
    if (!command) return;
    runCommand(command, input, state, host, programs, (exit) => {
      stderr += exit.stderr;
      if (index === pipeline.length - 1 || exit.fatal !== undefined) done({ ...exit, stderr });
      else step(index + 1, exit.stdout);
    });
  };
  step(0, stdin);
}

export function expandWord(word: Word, env: Map<string, string>): string {
  return word.map((segment) => (segment.kind === "text" ? segment.text : (env.get(segment.name) ?? ""))).join("");
}

function expandWords(words: Word[], env: Map<string, string>): string[] {
  return words.flatMap((word) => {
    const value = expandWord(word, env);
    const onlyUnquotedVars = word.every((s) => s.kind === "var" && !s.quoted);
    return onlyUnquotedVars && value === "" ? [] : [value];
  });
}

function runCommand(
  command: SimpleCommand,
  stdin: string,
  state: ShellState,
  host: ShellHost,
  programs: Record<string, Program>,
  done: (exit: Exit) => void,
): void {
  const env = new Map(state.env);
  for (const { name, value } of command.assignments) env.set(name, expandWord(value, state.env));
  const argv = expandWords(command.words, env);
  if (argv.length === 0) {
    for (const [name, value] of env) state.env.set(name, value);
    done({ code: 0, stdout: "", stderr: "" });
    return;
  }
  let input = stdin;
  if (command.heredoc) {
    const body = command.heredoc.body;
    input = command.heredoc.expand
      ? body.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => env.get(name) ?? "")
      : body;
  }
  if (command.stdinFile) {
    const path = expandWord(command.stdinFile, env);
    const content = state.files.get(normalize(path));
    if (content === undefined) {
      done(fail(2, `sh: 1: cannot open ${path}: No such file\n`));
      return;
    }
    input = content;
  }
  const [name = "", ...args] = argv;
  if (name === "set") {
    for (const arg of args) {
      if (/^-[a-z]*e/.test(arg)) state.errexit = true;
      if (/^\+[a-z]*e/.test(arg)) state.errexit = false;
    }
    done({ code: 0, stdout: "", stderr: "" });
    return;
  }
  if (name === "export") {
    for (const arg of args) {
      const eq = arg.indexOf("=");
      if (eq > 0) state.env.set(arg.slice(0, eq), arg.slice(eq + 1));
    }
    done({ code: 0, stdout: "", stderr: "" });
    return;
  }
  const program = programs[name];
  const ctx: ProgramContext = {
    stdin: input,
    files: state.files,
    env,
    host,
    runScript: (text, nestedStdin, nestedDone) =>
      runScript(
        text,
        nestedStdin,
        { files: state.files, env: new Map(env), errexit: false },
        host,
        programs,
        nestedDone,
      ),
  };
  const finish = (exit: Exit): void => done(applyRedirects(command, exit, state, env));
  if (!program) {
    finish(fail(127, `sh: 1: ${name}: not found\n`));
    return;
  }
  program(args, ctx, finish);
}

function applyRedirects(command: SimpleCommand, exit: Exit, state: ShellState, env: Map<string, string>): Exit {
  let { stdout, stderr } = exit;
  for (const redirect of command.redirects) {
    const source = redirect.fd === 1 ? stdout : stderr;
    if (redirect.kind === "dup") {
      if (redirect.fd === 2) {
        stdout += stderr;
        stderr = "";
      } else {
        stderr += stdout;
        stdout = "";
      }
      continue;
    }
    if (redirect.kind === "file" || redirect.kind === "append") {
      const path = normalize(expandWord(redirect.target ?? [], env));
      const before = redirect.kind === "append" ? (state.files.get(path) ?? "") : "";
      state.files.set(path, before + source);
    }
    if (redirect.fd === 1) stdout = "";
    else stderr = "";
  }
  return { ...exit, stdout, stderr };
}

/** Paths in the command's working directory (where the `context` zip was extracted). */
export function normalize(path: string): string {
  return path.replace(/^(\.\/)+/, "").replace(/^\/command-files\//, "");
}
