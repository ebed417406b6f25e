/** A word as written: literal text and `$NAME` references, expanded when the command runs. */
export type Segment = { kind: "text"; text: string } | { kind: "var"; name: string; quoted: boolean };
export type Word = Segment[];

export interface Redirect {
  fd: 1 | 2;
  /** `file` writes to a path; `dup` joins the other stream; `null` discards (`/dev/null`). */
  kind: "file" | "append" | "dup" | "null";
  target?: Word;
}

export interface SimpleCommand {
  words: Word[];
  assignments: { name: string; value: Word }[];
  redirects: Redirect[];
  stdinFile?: Word;
  heredoc?: { body: string; expand: boolean };
}

export type Pipeline = SimpleCommand[];
export interface AndOr {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
}
export type Script = AndOr[];
export type ParseResult = { ok: true; script: Script } | { ok: false; reason: string };

type Token =
  | { t: "word"; word: Word }
  | { t: "op"; op: "&&" | "||" | "|" | ";" }
  | { t: "redir"; op: ">" | ">>" | "2>" | "2>>" | "2>&1" | ">&2" | "<" }
  | { t: "heredoc"; doc: { body: string; expand: boolean; delimiter: string; strip: boolean } };

class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellSyntaxError";
  }
}

/** Parses the POSIX sh subset AKS Run Command scripts use: `;`/newline, `&&`, `||`, `|`, quotes, redirects, heredocs. */
export function parseScript(text: string): ParseResult {
  try {
    return { ok: true, script: parseTokens(tokenize(text)) };
  } catch (error) {
    if (error instanceof ShellSyntaxError) return { ok: false, reason: error.message };
    throw error;
  }
}

const OPERATOR_CHARS = new Set([";", "&", "|", "<", ">", "\n", " ", "\t", "\r"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pendingHeredocs: Extract<Token, { t: "heredoc" }>["doc"][] = [];
  let i = 0;
  const readHeredocBodies = (): void => {
    for (const doc of pendingHeredocs.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (i >= text.length)
          throw new ShellSyntaxError(`here-document at line 1 delimited by end-of-file (wanted \`${doc.delimiter}')`);
        const end = text.indexOf("\n", i);
        const line = end === -1 ? text.slice(i) : text.slice(i, end);
        i = end === -1 ? text.length : end + 1;
        const candidate = doc.strip ? line.replace(/^\t+/, "") : line;
        if (candidate === doc.delimiter) break;
        lines.push(candidate);
      }
      doc.body = lines.length ? `${lines.join("\n")}\n` : "";
    }
  };
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "\n") {
      tokens.push({ t: "op", op: ";" });
      i++;
      readHeredocBodies();
    } else if (text.startsWith("&&", i)) {
      tokens.push({ t: "op", op: "&&" });
      i += 2;
    } else if (text.startsWith("||", i)) {
      tokens.push({ t: "op", op: "||" });
      i += 2;
    } else if (c === "&") {
      throw new ShellSyntaxError("background jobs (&) are not supported");
    } else if (c === "|") {
      tokens.push({ t: "op", op: "|" });
      i++;
    } else if (c === ";") {
      tokens.push({ t: "op", op: ";" });
      i++;
    } else if (text.startsWith("2>&1", i)) {
      tokens.push({ t: "redir", op: "2>&1" });
      i += 4;
    } else if (text.startsWith(">&2", i) || text.startsWith("1>&2", i)) {
      tokens.push({ t: "redir", op: ">&2" });
      i += text.startsWith("1", i) ? 4 : 3;
    } else if (text.startsWith("2>>", i)) {
      tokens.push({ t: "redir", op: "2>>" });
      i += 3;
    } else if (text.startsWith("2>", i)) {
      tokens.push({ t: "redir", op: "2>" });
      i += 2;
    } else if (text.startsWith("<<", i)) {
      const strip = text[i + 2] === "-";
      i += strip ? 3 : 2;
      while (text[i] === " " || text[i] === "\t") i++;
      const start = i;
      while (i < text.length && !OPERATOR_CHARS.has(text[i] ?? "")) i++;
      const raw = text.slice(start, i);
      if (!raw) throw new ShellSyntaxError("syntax error: unexpected newline after <<");
      const quoted = /['"\\]/.test(raw);
      const doc = { body: "", expand: !quoted, delimiter: raw.replace(/['"\\]/g, ""), strip };
      pendingHeredocs.push(doc);
      tokens.push({ t: "heredoc", doc });
    } else if (text.startsWith(">>", i) || text.startsWith("1>>", i)) {
      tokens.push({ t: "redir", op: ">>" });
      i += text.startsWith("1", i) ? 3 : 2;
    } else if (c === ">" || text.startsWith("1>", i)) {
      tokens.push({ t: "redir", op: ">" });
      i += c === ">" ? 1 : 2;
    } else if (c === "<") {
      tokens.push({ t: "redir", op: "<" });
      i++;
    } else {
      const [word, next] = readWord(text, i);
      tokens.push({ t: "word", word });
      i = next;
    }
  }
  if (pendingHeredocs.length) readHeredocBodies();
  return tokens;
}

function readWord(text: string, start: number): [Word, number] {
  const word: Word = [];
  let literal = "";
  const flush = (): void => {
    if (literal) word.push({ kind: "text", text: literal });
    literal = "";
  };
  let i = start;
  const readVar = (quoted: boolean): void => {
    if (text[i + 1] === "(" || text[i + 1] === "`")
      throw new ShellSyntaxError("command substitution $(...) is not supported");
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
    const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    const match = braced ?? plain;
    if (!match) {
      literal += "$";
      i++;
      return;
    }
    flush();
    word.push({ kind: "var", name: match[1] ?? "", quoted });
    i += match[0].length;
  };
  while (i < text.length) {
    const c = text[i] ?? "";
    if (OPERATOR_CHARS.has(c)) break;
    if (c === "`") throw new ShellSyntaxError("command substitution `...` is not supported");
    if (c === "\\") {
      if (text[i + 1] === "\n") i += 2;
      else {
        literal += text[i + 1] ?? "";
        i += 2;
      }
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new ShellSyntaxError("Syntax error: Unterminated quoted string");
      literal += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new ShellSyntaxError("Syntax error: Unterminated quoted string");
        const d = text[i] ?? "";
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\" && ['"', "\\", "$", "`", "\n"].includes(text[i + 1] ?? "")) {
          if (text[i + 1] !== "\n") literal += text[i + 1] ?? "";
          i += 2;
        } else if (d === "$") {
          readVar(true);
        } else if (d === "`") {
          throw new ShellSyntaxError("command substitution `...` is not supported");
        } else {
          literal += d;
          i++;
        }
      }
      if (word.length === 0 && literal === "") word.push({ kind: "text", text: "" });
    } else if (c === "$") {
      readVar(false);
    } else {
      literal += c;
      i++;
    }
  }
  flush();
  return [word, i];
}

function parseTokens(tokens: Token[]): Script {
  const script: Script = [];
  let i = 0;
  const parseCommand = (): SimpleCommand => {
    const command: SimpleCommand = { words: [], assignments: [], redirects: [] };
    for (; i < tokens.length; i++) {
      const token = tokens[i];
      if (!token || token.t === "op") break;
      if (token.t === "heredoc") {
        command.heredoc = token.doc;
        continue;
      }
      if (token.t === "redir") {
        if (token.op === "2>&1") {
          command.redirects.push({ fd: 2, kind: "dup" });
          continue;
        }
        if (token.op === ">&2") {
          command.redirects.push({ fd: 1, kind: "dup" });
          continue;
        }
        const target = tokens[i + 1];
        if (!target || target.t !== "word")
          throw new ShellSyntaxError(`Syntax error: redirection ${token.op} without a file`);
        i++;
        if (token.op === "<") command.stdinFile = target.word;
        else {
          const isNull =
            target.word.length === 1 && target.word[0]?.kind === "text" && target.word[0].text === "/dev/null";
          command.redirects.push({
            fd: token.op.startsWith("2") ? 2 : 1,
            kind: isNull ? "null" : token.op.endsWith(">>") ? "append" : "file",
            target: target.word,
          });
        }
        continue;
      }
      const first = token.word[0];
      const assignment =
        command.words.length === 0 && first?.kind === "text" ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null;
      if (assignment && first?.kind === "text") {
        const value: Word = [{ kind: "text", text: first.text.slice(assignment[0].length) }, ...token.word.slice(1)];
        command.assignments.push({ name: assignment[1] ?? "", value });
      } else {
        command.words.push(token.word);
      }
    }
    return command;
  };
  const parsePipeline = (): Pipeline => {
    const pipeline: Pipeline = [parseCommand()];
    while (tokens[i]?.t === "op" && (tokens[i] as { op: string }).op === "|") {
      i++;
      const next = parseCommand();
      if (next.words.length === 0) throw new ShellSyntaxError('Syntax error: "|" unexpected');
      pipeline.push(next);
    }
    return pipeline;
  };
  while (i < tokens.length) {
    const token = tokens[i];
    if (token?.t === "op" && token.op === ";") {
      i++;
      continue;
    }
    const first = parsePipeline();
    if (isEmpty(first)) throw new ShellSyntaxError(`Syntax error: "${token?.t === "op" ? token.op : "?"}" unexpected`);
    const andOr: AndOr = { first, rest: [] };
    for (;;) {
      const op = tokens[i];
      if (op?.t !== "op" || (op.op !== "&&" && op.op !== "||")) break;
      i++;
      while (tokens[i]?.t === "op" && (tokens[i] as { op: string }).op === ";") i++;
      const pipeline = parsePipeline();
      if (isEmpty(pipeline)) throw new ShellSyntaxError(`Syntax error: end of file unexpected`);
      andOr.rest.push({ op: op.op, pipeline });
    }
    script.push(andOr);
  }
  return script;
}

function isEmpty(pipeline: Pipeline): boolean {
  return pipeline.length === 1 && pipeline[0]?.words.length === 0 && pipeline[0].assignments.length === 0;
}
