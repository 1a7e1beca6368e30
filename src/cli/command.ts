/** One `nanoforge <name>` sub-command. `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  /** One line for `nanoforge --help`, e.g. `placeholder WxH --out FILE [options]`. */
  usage: string;
  /**
   * The full help for `nanoforge <name> [args] --help` (`args`: what came before `--help`, e.g. a
   * sub-command). Absent: the command reads `--help` itself.
   */
  help?(args: string[]): string;
  run(args: string[]): Promise<number>;
}
