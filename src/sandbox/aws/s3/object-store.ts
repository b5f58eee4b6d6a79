import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { stableStringify, writeFileAtomic } from '../../../fs/atomic-write.js';

/** What S3 keeps about an object besides its bytes. */
export interface StoredObject {
  key: string;
  size: number;
  /** Hex MD5 of the bytes, which is a single-part upload's ETag. */
  md5: string;
  /** Epoch milliseconds. */
  lastModified: number;
  contentType: string;
  /** `x-amz-meta-*` headers, names without the prefix. */
  userMetadata: Record<string, string>;
  /** Checksums the uploader sent, by algorithm (`crc32` → base64), returned on GET when asked for. */
  checksums: Record<string, string>;
}

export interface StoredBucket {
  name: string;
  creationDate: number;
}

/**
 * The sandbox S3's buckets and objects under `<dir>`: one directory per bucket, and per
 * object its bytes and a JSON sidecar, both named by the SHA-256 of the key (keys may hold
 * any character). The sidecars are read into memory at open, so listing is an in-memory
 * sort; bytes are streamed from disk.
 */
export class ObjectStore {
  private constructor(
    private readonly dir: string,
    private readonly buckets: Map<string, { bucket: StoredBucket; objects: Map<string, StoredObject> }>,
  ) {}

  static async open(dir: string): Promise<ObjectStore> {
    await mkdir(dir, { recursive: true });
    const buckets = new Map<string, { bucket: StoredBucket; objects: Map<string, StoredObject> }>();
    for (const name of await readdir(dir)) {
      const bucketDir = join(dir, name);
      const bucket = JSON.parse(await readFile(join(bucketDir, 'bucket.json'), 'utf8')) as StoredBucket;
      const objects = new Map<string, StoredObject>();
      for (const file of await readdir(join(bucketDir, 'objects'))) {
        if (!file.endsWith('.json')) continue;
        const object = JSON.parse(await readFile(join(bucketDir, 'objects', file), 'utf8')) as StoredObject;
        objects.set(object.key, object);
      }
      buckets.set(name, { bucket, objects });
    }
    return new ObjectStore(dir, buckets);
  }

  listBuckets(): StoredBucket[] {
    return [...this.buckets.values()].map((entry) => entry.bucket).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  async createBucket(name: string, now: number): Promise<void> {
    const bucket: StoredBucket = { name, creationDate: now };
    await mkdir(join(this.dir, name, 'objects'), { recursive: true });
    await writeFileAtomic(join(this.dir, name, 'bucket.json'), stableStringify(bucket));
    this.buckets.set(name, { bucket, objects: new Map() });
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** Keys in S3's listing order (ascending). */
  sortedKeys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** Stores an object in a bucket that exists; the bytes land before the sidecar, so a crash never leaves a sidecar without them. */
  async putObject(bucket: string, object: Omit<StoredObject, 'md5' | 'size'>, data: Buffer): Promise<StoredObject> {
    const entry = this.buckets.get(bucket);
    if (!entry) throw new Error(`bucket ${bucket} does not exist`);
    const stored: StoredObject = { ...object, size: data.length, md5: createHash('md5').update(data).digest('hex') };
    const base = this.objectPath(bucket, object.key);
    const temporary = `${base}.${randomUUID()}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, `${base}.data`);
    await writeFileAtomic(`${base}.json`, stableStringify(stored));
    entry.objects.set(object.key, stored);
    return stored;
  }

  /** The object's bytes, or the inclusive range `start`..`end` of them. */
  readObject(bucket: string, key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(`${this.objectPath(bucket, key)}.data`, range);
  }

  async readObjectFully(bucket: string, key: string): Promise<Buffer> {
    return readFile(`${this.objectPath(bucket, key)}.data`);
  }

  private objectPath(bucket: string, key: string): string {
    return join(this.dir, bucket, 'objects', createHash('sha256').update(key).digest('hex'));
  }
}
