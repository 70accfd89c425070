import { readFileSync } from 'node:fs';

/** The `version` field of this package's package.json. */
export function readPackageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
