import { UsageError } from '../errors.js';
import type { Plan } from './schema.js';

type PlannedFirmware = Extract<Plan['firmware'], { status: 'planned' }>;
/** What plan decides about shipping the rewritten firmware: its version, entry, bundle location, signer, presign role. */
export type FirmwareRelease = Pick<PlannedFirmware, 'version' | 'entryPoint' | 'bundle' | 'signing' | 'presignRoleArn'>;

/** The plan flags behind a release; each has a default. */
export interface FirmwareReleaseFlags {
  /** --firmware-version (default: `<package.json version>-azure`). */
  version?: string;
  /** --firmware-entry (default from package.json `main`). */
  entryPoint?: string;
  /** --firmware-bucket (default: `iotmigrate-firmware-<account>-<region>`). */
  bucket?: string;
  /** --presign-role-arn (default: `arn:aws:iam::<account>:role/iotmigrate-ota-presign`). */
  presignRoleArn?: string;
}

export interface FirmwareReleaseInput {
  /** The rewritten firmware's package.json (parsed), when it has one. */
  packageJson: { version?: unknown; main?: unknown } | undefined;
  /** Every file of the rewritten firmware, `/`-separated, relative to its root. */
  files: ReadonlySet<string>;
  signing: { keyId: string; publicKeyPem: string };
  flags: FirmwareReleaseFlags;
}

export const DEFAULT_PRESIGN_ROLE_NAME = 'iotmigrate-ota-presign';

/** Safe inside an S3 key and a twin property, and readable: semver and the like. */
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
/** S3's bucket naming rules, minus the rarely wanted dots next to each other. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/**
 * Decides the release of the rewritten firmware; pure, so re-planning gives the same
 * bytes. `source` is the AWS account and region the bundle bucket and presign role
 * belong to; `hubName` keeps bundles of different migrations apart in one bucket.
 */
export function planFirmwareRelease(
  input: FirmwareReleaseInput,
  source: { accountId: string | null; region: string },
  hubName: string,
): FirmwareRelease {
  const version = input.flags.version ?? defaultVersion(input.packageJson);
  if (!VERSION_PATTERN.test(version)) {
    throw new UsageError(`--firmware-version "${version}" is not usable: use letters, digits and . + _ - (at most 64, starting with a letter or digit)`);
  }
  const accountNeeded = (flag: string) =>
    new UsageError(`the manifest names no AWS account ID, so ${flag} has no default`, { hint: `pass ${flag}` });

  const bucket = input.flags.bucket ?? (source.accountId === null ? undefined : `iotmigrate-firmware-${source.accountId}-${source.region}`);
  if (bucket === undefined) throw accountNeeded('--firmware-bucket');
  if (!BUCKET_PATTERN.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`--firmware-bucket "${bucket}" is not a valid S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens`);
  }
  const presignRoleArn =
    input.flags.presignRoleArn ?? (source.accountId === null ? undefined : `arn:aws:iam::${source.accountId}:role/${DEFAULT_PRESIGN_ROLE_NAME}`);
  if (presignRoleArn === undefined) throw accountNeeded('--presign-role-arn');
  if (!ROLE_ARN_PATTERN.test(presignRoleArn)) {
    throw new UsageError(`--presign-role-arn "${presignRoleArn}" is not an IAM role ARN`, { hint: 'it looks like arn:aws:iam::123456789012:role/iotmigrate-ota-presign' });
  }

  return {
    version,
    entryPoint: entryPointOf(input),
    bundle: { bucket, key: `iotmigrate/${hubName}/firmware-${version}.tar.gz` },
    signing: { keyId: input.signing.keyId, publicKeyPem: input.signing.publicKeyPem },
    presignRoleArn,
  };
}

function defaultVersion(packageJson: FirmwareReleaseInput['packageJson']): string {
  const version = packageJson?.version;
  if (typeof version !== 'string' || version === '') {
    throw new UsageError('the firmware repo\'s package.json has no version to derive the new firmware\'s version from', {
      hint: 'pass --firmware-version, e.g. --firmware-version 2.0.0-azure',
    });
  }
  return `${version}-azure`;
}

/**
 * The module the update agent starts: --firmware-entry as given, or package.json's
 * `main` mapped from the build output back to its source (dist/X.js → src/X.ts) when
 * that source is in the firmware, since the bundle carries sources, else `main` itself.
 */
function entryPointOf(input: FirmwareReleaseInput): string {
  const given = input.flags.entryPoint;
  if (given !== undefined) {
    const path = normalise(given);
    if (!input.files.has(path)) {
      throw new UsageError(`--firmware-entry ${given} is not a file of the firmware`, { hint: 'name a module of the repo, e.g. src/main.ts' });
    }
    return path;
  }
  const main = typeof input.packageJson?.main === 'string' ? normalise(input.packageJson.main) : 'index.js';
  const built = /^(?:dist|build|lib|out)\/(.+)\.(js|mjs|cjs)$/.exec(main);
  if (built) {
    const source = `src/${built[1]}.${{ js: 'ts', mjs: 'mts', cjs: 'cts' }[built[2] as 'js' | 'mjs' | 'cjs']}`;
    if (input.files.has(source)) return source;
  }
  if (input.files.has(main)) return main;
  throw new UsageError(`cannot tell which module of the firmware exports start(options): package.json's main (${main}) is not in the repo`, {
    hint: 'pass --firmware-entry, e.g. --firmware-entry src/main.ts',
  });
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
