// The package version, bundled in at build time so metadata and `--version` never read files at run time.
import { version } from '../../package.json';

export const NANOFORGE_VERSION: string = version;
