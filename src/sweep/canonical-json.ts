/**
 * Canonical JSON: object keys sorted, no whitespace, only JSON values. Two parameter objects that
 * mean the same thing (keys in a different order) give the same text, so task keys do not depend
 * on how a sweep file happened to order its fields.
 */
import { createHash } from 'node:crypto';

/** A value that survives a JSON round trip unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Serialises `value` as canonical JSON (sorted keys, no whitespace).
 *
 * @param value a JSON value: null, boolean, finite number, string, array or plain object
 * @param name what the value is, for error messages (e.g. `params of task 'a'`)
 * @returns the canonical text
 * @throws TypeError naming the path of the first value JSON cannot represent faithfully
 *   (undefined, a function, a non-finite number, a bigint, a typed array, a class instance)
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown, name = 'value'): string {
  const parts: string[] = [];
  write(value, name, parts);
  return parts.join('');
}

function write(value: unknown, path: string, out: string[]): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TypeError(`${path} must be a finite number to be stored as JSON, got ${value}`);
    }
    // -0 and 0 are the same JSON number.
    out.push(JSON.stringify(value === 0 ? 0 : value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, `${path}[${i}]`, out);
    });
    out.push(']');
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const type = (value as object).constructor?.name ?? 'object';
      throw new TypeError(
        `${path} must be plain JSON (object, array, number, string), got ${type}`,
      );
    }
    const keys = Object.keys(value as object).sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write((value as Record<string, unknown>)[key], `${path}.${key}`, out);
    });
    out.push('}');
    return;
  }
  throw new TypeError(`${path} must be plain JSON, got ${typeof value}`);
}

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
