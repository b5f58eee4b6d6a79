import { InputError } from '../../errors.js';
import { LineIndex } from '../edits/text-edits.js';
import type { RewriteFinding } from '../report/rewrite-report.js';

/** The Azure device SDK versions the rewritten code is written and type-checked against. */
export const AZURE_DEVICE_PACKAGES: Readonly<Record<string, string>> = {
  'azure-iot-device': '^1.18.4',
  'azure-iot-device-mqtt': '^1.16.4',
};

const AWS_DEVICE_PACKAGES = ['aws-iot-device-sdk', 'aws-iot-device-sdk-v2', 'aws-crt'];
const DEPENDENCY_SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

export interface PackageUse {
  /** Packages the rewritten sources still import (AWS ones only when a file could not be rewritten). */
  importedAfter: ReadonlySet<string>;
  /** Packages the original sources imported. */
  importedBefore: ReadonlySet<string>;
}

export interface PackageJsonRewrite {
  rewritten: string;
  changed: boolean;
  findings: RewriteFinding[];
}

type PackageManifest = Record<string, unknown> & Partial<Record<(typeof DEPENDENCY_SECTIONS)[number], Record<string, string>>>;

/**
 * The firmware's package.json after the rewrite: the AWS device SDKs go (and mqtt when
 * nothing imports it any more, i.e. it only served AWS IoT), the Azure device SDK
 * comes in. Key order, indentation and the trailing newline stay as they were, so the
 * diff shows only the dependency change.
 */
export function rewritePackageJson(text: string, displayPath: string, use: PackageUse): PackageJsonRewrite {
  const manifest = parsePackageJson(text, displayPath);
  const removed: string[] = [];
  const kept: string[] = [];
  for (const section of DEPENDENCY_SECTIONS) {
    const dependencies = manifest[section];
    if (dependencies === undefined || typeof dependencies !== 'object') continue;
    for (const name of Object.keys(dependencies)) {
      const isAws = AWS_DEVICE_PACKAGES.includes(name);
      const onlyServedAws = name === 'mqtt' && use.importedBefore.has('mqtt') && !use.importedAfter.has('mqtt');
      if (!isAws && !onlyServedAws) continue;
      if (use.importedAfter.has(name)) {
        kept.push(name);
        continue;
      }
      delete dependencies[name];
      removed.push(`${name} (${section})`);
    }
  }

  const added: string[] = [];
  const needsAzure = Object.keys(AZURE_DEVICE_PACKAGES).some((name) => use.importedAfter.has(name));
  if (needsAzure) {
    const dependencies = (manifest.dependencies ??= {});
    for (const [name, version] of Object.entries(AZURE_DEVICE_PACKAGES)) {
      if (DEPENDENCY_SECTIONS.some((section) => manifest[section]?.[name] !== undefined)) continue;
      dependencies[name] = version;
      added.push(`${name} ${version}`);
    }
    if (isSorted(Object.keys(dependencies).filter((name) => !(name in AZURE_DEVICE_PACKAGES)))) {
      manifest.dependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b, 'en')));
    }
  }

  if (removed.length === 0 && added.length === 0 && kept.length === 0) return { rewritten: text, changed: false, findings: [] };
  const rewritten = serialiseLike(text, manifest);
  const lines = new LineIndex(rewritten);
  const originalLines = new LineIndex(text);
  const anchor = Math.max(0, rewritten.indexOf('"dependencies"'));
  const originalAnchor = Math.max(0, text.search(/"(dev|peer|optional)?[dD]ependencies"/));
  const findings: RewriteFinding[] = [];
  if (removed.length > 0 || added.length > 0) {
    findings.push({
      path: 'package.json',
      line: lines.lineOf(anchor),
      originalLine: originalLines.lineOf(originalAnchor),
      construct: 'dependencies',
      action: 'rewritten',
      note: `${removed.length > 0 ? `Removed ${removed.join(', ')}. ` : ''}${added.length > 0 ? `Added ${added.join(', ')}. ` : ''}Run npm install to update the lockfile.`,
      transform: 'package-json',
    });
  }
  for (const name of kept) {
    findings.push({
      path: 'package.json',
      line: lines.lineOf(Math.max(0, rewritten.indexOf(`"${name}"`))),
      originalLine: originalLines.lineOf(Math.max(0, text.indexOf(`"${name}"`))),
      construct: 'dependencies',
      action: 'todo',
      note: `${name} is kept: a source file still imports it (one the rewrite skipped or could not finish, see files). Remove it once that file is on azure-iot-device.`,
      transform: 'package-json',
    });
  }
  return { rewritten, changed: rewritten !== text, findings };
}

export function parsePackageJson(text: string, displayPath: string): PackageManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${displayPath} is not valid JSON.`, {
      hint: 'Fix the JSON syntax in that package.json, then run rewrite again.',
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`${displayPath} does not hold a JSON object.`, { hint: 'A package.json is an object with name, dependencies, ...' });
  }
  return parsed as PackageManifest;
}

/** The repo's module system for .js files, from package.json "type". */
export function packageTypeOf(manifest: PackageManifest | undefined): 'module' | 'commonjs' {
  return manifest?.type === 'module' ? 'module' : 'commonjs';
}

function serialiseLike(original: string, manifest: PackageManifest): string {
  const indent = /^([ \t]+)"/m.exec(original)?.[1] ?? '  ';
  const newline = original.endsWith('\n') ? '\n' : '';
  return `${JSON.stringify(manifest, null, indent)}${newline}`;
}

function isSorted(names: readonly string[]): boolean {
  return names.every((name, index) => index === 0 || names[index - 1]!.localeCompare(name, 'en') <= 0);
}
