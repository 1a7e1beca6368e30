// The "save as" box's check, free of `vscode` so it is unit-tested in plain Node
// (test/unit/target-input.test.ts). It applies the writer's rules while the user types — inside a
// workspace folder, an extension Nanoforge writes — so `../outside.png` is flagged in the box, not
// later by the panel or the writer.
import { formatFromPath, WRITABLE_EXTENSIONS } from '../naming';
import { checkTarget } from '../references/safety';

export interface TargetInputContext {
  /** Where a relative path goes (the active editor's workspace folder, else the first); undefined with no folder open. */
  base?: string;
  /** Every workspace folder, absolute. */
  folders: readonly string[];
}

/** The inline message for `text`, or undefined when Nanoforge can write there. */
export function validateTargetInput(text: string, ctx: TargetInputContext): string | undefined {
  const value = text.trim();
  if (!value) return 'Enter a file path such as assets/generated/logo.png.';
  const verdict = checkTarget(value, ctx.folders, ctx.base);
  if (!verdict.ok) return verdict.reason;
  if (!formatFromPath(value)) return `End the name in ${WRITABLE_EXTENSIONS}.`;
  return undefined;
}
