/** The app in a process of its own, on the simulator the parent runs: the parent kills it with SIGKILL at will. */
import { readFileSync } from "node:fs";
import { startAppOn, type SimulatorTarget } from "../../local/app.js";

const { target, dir, port } = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as {
  target: SimulatorTarget;
  dir: string;
  port: number;
};
const app = await startAppOn(target, { dir, port, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`ready ${app.baseUrl}\n`);
