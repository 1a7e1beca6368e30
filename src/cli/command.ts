/** One `nanoforge <name>` sub-command. `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  /** One line for `nanoforge --help`, e.g. `placeholder WxH --out FILE [--label TEXT] [--bg #hex]`. */
  usage: string;
  run(args: string[]): Promise<number>;
}
