/**
 * POSIX shell quoting for the one place a command must become a line of text: AKS Run Command takes a `command`
 * string that runs in a shell. Every argument is quoted, so no argument can start another command.
 */

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a shell word: bare when it holds only safe characters, else single-quoted. */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new Error("a command argument cannot contain a NUL character");
  if (safeWord.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Commands run in sequence, each only when the previous one succeeded. */
export function toShellLine(commands: string[][]): string {
  if (commands.length === 0 || commands.some((argv) => argv.length === 0)) {
    throw new Error("a command line needs at least one non-empty command");
  }
  return commands.map((argv) => argv.map(shellQuote).join(" ")).join(" && ");
}

/** A command as people read it: quoted like `toShellLine`, with stand-ins (`<values file>`) for some arguments. */
export function toDisplayLine(argv: string[], standIns: Readonly<Record<string, string>> = {}): string {
  return argv.map((arg) => (Object.hasOwn(standIns, arg) ? (standIns[arg] ?? arg) : shellQuote(arg))).join(" ");
}
