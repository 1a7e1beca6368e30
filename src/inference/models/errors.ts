// The one error type for everything wrong with a model folder: it always names the file.
import * as path from 'node:path';

export class ModelFolderError extends Error {
  /** Path of the offending file relative to the model folder, e.g. `unet/model.onnx`. */
  readonly file: string;
  readonly dir: string;

  constructor(dir: string, file: string, problem: string) {
    super(`${path.join(dir, file)}: ${problem}`);
    this.name = 'ModelFolderError';
    this.dir = dir;
    this.file = file;
  }
}
