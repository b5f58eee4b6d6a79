/**
 * Job documents and the S3 locations they name. A document may hold
 * `${aws:iot:s3-presigned-url:https://s3.amazonaws.com/<bucket>/<key>}` placeholders,
 * which the Jobs service replaces with a presigned URL each time a device is handed the
 * document; `documentSource` names the S3 object the document itself is read from.
 */
export interface S3Location {
  bucket: string;
  key: string;
}

const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url:([^}]+)\}/g;
// s3.amazonaws.com, s3.<region>.amazonaws.com and the older s3-<region>.amazonaws.com.
const S3_HOST = /^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;

/** The bucket and key of an S3 object URL, path-style or virtual-hosted; undefined for any other URL. */
export function s3LocationOf(url: string): S3Location | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:') return undefined;
  const path = parsed.pathname.slice(1);
  if (S3_HOST.test(parsed.hostname)) {
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) return undefined;
    return { bucket: path.slice(0, slash), key: decodePath(path.slice(slash + 1)) };
  }
  const marker = parsed.hostname.indexOf('.s3');
  if (marker > 0 && S3_HOST.test(parsed.hostname.slice(marker + 1)) && path !== '') {
    return { bucket: parsed.hostname.slice(0, marker), key: decodePath(path) };
  }
  return undefined;
}

/** The URLs inside the document's presigned-URL placeholders, in order. */
export function presignedUrlPlaceholders(document: string): string[] {
  return [...document.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** The document with every placeholder replaced by `presign` of the object it names. */
export function substitutePresignedUrls(document: string, presign: (location: S3Location) => string): string {
  return document.replace(PLACEHOLDER, (placeholder, url: string) => {
    const location = s3LocationOf(url);
    return location ? presign(location) : placeholder;
  });
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
