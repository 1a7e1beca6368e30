// The catalog of known ONNX exports (models/catalog.json), its schema check, and how a `pull`
// argument (catalog id or owner/repo[@revision]) becomes a concrete source to download.
import rawCatalog from '../../../models/catalog.json';
import { LATENT_FAMILY_NAMES, type LatentFamily } from '../tables';

export type CatalogKind = 'pipeline' | 'preview-decoder';
export type CatalogPrecision = 'fp16' | 'fp32' | 'int8';

export interface CatalogLicense {
  id: string;
  name: string;
  /** false: non-commercial only; null: not checked. */
  commercialUse: boolean | null;
  summary: string;
  url: string;
}

export interface CatalogFile {
  path: string;
  size: number;
  sha256: string;
}

export interface CatalogEntry {
  id: string;
  name: string;
  kind: CatalogKind;
  family: string;
  repo: string;
  /** A 40-hex commit when pinned; a branch name ("main") when no commit was known. */
  revision: string;
  precision: CatalogPrecision;
  devices: string[];
  approxDownloadBytes: number;
  sizeNote?: string;
  nativeSize?: number;
  steps?: number;
  scheduler?: string;
  license: CatalogLicense;
  source: string;
  previewDecoder?: string;
  /** Preview decoders: the latent space they decode (a tiny decoder pairs with every model of it). */
  latentFamily?: LatentFamily;
  /** Top-level folders the repository is known to have (descriptive). */
  repoFolders?: string[];
  /** Folders to fetch instead of the pipeline's default set. */
  fetchFolders?: string[];
  /** Whether the file list was checked against the repository. */
  filesChecked: boolean;
  /** Whether `files` carries checked SHA-256 hashes for every file. */
  verified: boolean;
  files?: CatalogFile[];
  notes?: string;
}

export interface Catalog {
  schemaVersion: number;
  models: CatalogEntry[];
}

/** A concrete thing to download: repository, revision, and the id it is stored under. */
export interface PullSource {
  id: string;
  repo: string;
  revision: string;
  kind: CatalogKind;
  entry?: CatalogEntry;
  fetchFolders?: string[];
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

const COMMIT = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const ID = /^[a-z0-9][a-z0-9._-]*$/;

export function isPinned(revision: string): boolean {
  return COMMIT.test(revision);
}

/** Problems with one entry, each naming the field; empty when the entry is well-formed. */
export function checkCatalogEntry(entry: Partial<CatalogEntry>): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string) => ok || problems.push(`${entry.id ?? '(no id)'}: ${message}`);
  need(typeof entry.id === 'string' && ID.test(entry.id), 'id must be lower-case letters, digits, ".", "_" or "-"');
  need(typeof entry.name === 'string' && entry.name.length > 0, 'name is required');
  need(entry.kind === 'pipeline' || entry.kind === 'preview-decoder', 'kind must be pipeline or preview-decoder');
  need(typeof entry.repo === 'string' && REPO.test(entry.repo), 'repo must be owner/name');
  need(typeof entry.revision === 'string' && entry.revision.length > 0, 'revision is required');
  need(['fp16', 'fp32', 'int8'].includes(String(entry.precision)), 'precision must be fp16, fp32 or int8');
  need(Array.isArray(entry.devices) && entry.devices.length > 0, 'devices must list at least one device');
  need(typeof entry.approxDownloadBytes === 'number' && entry.approxDownloadBytes > 0, 'approxDownloadBytes must be a positive number');
  need(typeof entry.source === 'string' && entry.source.startsWith('https://'), 'source must be an https link');
  const lic = entry.license;
  need(!!lic && typeof lic.id === 'string' && typeof lic.name === 'string' && typeof lic.url === 'string' && typeof lic.summary === 'string', 'license needs id, name, summary and url');
  need(typeof entry.filesChecked === 'boolean' && typeof entry.verified === 'boolean', 'filesChecked and verified must be true or false');
  need(entry.kind !== 'preview-decoder' || (LATENT_FAMILY_NAMES as readonly string[]).includes(String(entry.latentFamily)),
    `a preview decoder needs latentFamily, one of ${LATENT_FAMILY_NAMES.join(', ')}`);
  if (entry.verified) {
    const files = entry.files ?? [];
    need(entry.filesChecked === true, 'verified entries must also have filesChecked');
    need(isPinned(entry.revision ?? ''), 'verified entries must pin a commit revision');
    need(files.length > 0 && files.every((f) => SHA256.test(f.sha256) && f.size > 0), 'verified entries must list every file with size and sha256');
  } else {
    need(!(entry.files ?? []).some((f) => f.sha256), 'an unverified entry must not carry hashes');
    need(typeof entry.notes === 'string' && entry.notes.length > 0, 'an unverified entry needs notes saying what was not checked');
  }
  return problems;
}

/** Checks the whole catalog: every entry, unique ids, preview decoders that exist. */
export function checkCatalog(catalog: Catalog): string[] {
  const problems = catalog.models.flatMap(checkCatalogEntry);
  const ids = new Set<string>();
  for (const m of catalog.models) {
    if (ids.has(m.id)) problems.push(`${m.id}: duplicate id`);
    ids.add(m.id);
  }
  for (const m of catalog.models) {
    if (m.previewDecoder && !catalog.models.some((d) => d.id === m.previewDecoder && d.kind === 'preview-decoder')) {
      problems.push(`${m.id}: previewDecoder "${m.previewDecoder}" is not a preview-decoder entry`);
    }
  }
  return problems;
}

let cached: Catalog | undefined;

/** The bundled catalog; throws CatalogError when models/catalog.json is malformed. */
export function loadCatalog(): Catalog {
  if (cached) return cached;
  const catalog = rawCatalog as unknown as Catalog;
  const problems = checkCatalog(catalog);
  if (problems.length > 0) throw new CatalogError(`models/catalog.json: ${problems.join('; ')}`);
  cached = catalog;
  return catalog;
}

export function findCatalogEntry(id: string, catalog: Catalog = loadCatalog()): CatalogEntry | undefined {
  return catalog.models.find((m) => m.id === id);
}

/** The store id for a repository pulled by name: `owner--name[@rev]`, safe as one folder name. */
export function idForRepo(repo: string, revision?: string): string {
  const base = repo.replace('/', '--').toLowerCase();
  return revision && revision !== 'main' ? `${base}@${revision.slice(0, 12).toLowerCase()}` : base;
}

/** `sd-turbo-fp32`, `owner/repo` or `owner/repo@revision` → what to download. */
export function resolvePullSource(spec: string, catalog: Catalog = loadCatalog()): PullSource {
  const entry = findCatalogEntry(spec, catalog);
  if (entry) return { id: entry.id, repo: entry.repo, revision: entry.revision, kind: entry.kind, entry, fetchFolders: entry.fetchFolders };
  const at = spec.indexOf('@');
  const repo = at >= 0 ? spec.slice(0, at) : spec;
  const revision = at >= 0 ? spec.slice(at + 1) : 'main';
  if (!REPO.test(repo) || revision === '' || /[\s/\\]|\.\./.test(revision)) {
    const ids = catalog.models.map((m) => m.id).join(', ');
    throw new CatalogError(`"${spec}" is neither a catalog id (${ids}) nor owner/repo[@revision]`);
  }
  const known = catalog.models.find((m) => m.repo.toLowerCase() === repo.toLowerCase() && (at < 0 || m.revision === revision));
  if (known) return { id: known.id, repo: known.repo, revision: known.revision, kind: known.kind, entry: known, fetchFolders: known.fetchFolders };
  return { id: idForRepo(repo, at >= 0 ? revision : undefined), repo, revision, kind: 'pipeline' };
}
