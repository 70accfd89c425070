/**
 * Redis connections for the sweep queue. A queue is addressed by a URL: `redis://HOST:PORT`,
 * `redis://:PASSWORD@HOST:PORT/DB` (or `redis://USER:PASSWORD@…` with Redis ACLs), and
 * `rediss://…` for TLS. TLS files (CA, client certificate and key) and the server name are
 * passed through to ioredis. Every connection is checked with a PING under a time limit first,
 * so an unreachable server or a wrong password is one clear error within seconds instead of
 * BullMQ's endless reconnect loop.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../../core/errors.js';

/** Where the queue lives and how to reach it. */
export interface QueueConnectionOptions {
  /** `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` or `rediss://…` (TLS). */
  url: string;
  /** BullMQ queue name (default `hrtem-sweep`); one sweep per queue name at a time. */
  queueName?: string;
  /** BullMQ key prefix (default `bull`). */
  prefix?: string;
  /** PEM file of the certificate authority that signed the server's certificate (TLS). */
  tlsCaFile?: string;
  /** PEM file of this client's certificate (TLS with client authentication). */
  tlsCertFile?: string;
  /** PEM file of this client's private key (TLS with client authentication). */
  tlsKeyFile?: string;
  /** Server name to verify the certificate against (default: the URL's host). */
  tlsServerName?: string;
  /** Accept a server certificate that does not verify (testing only; default false). */
  tlsInsecure?: boolean;
  /** Time limit of the initial connect and PING, ms (default 5000). */
  connectTimeoutMs?: number;
}

/** Default BullMQ queue name of sweeps. */
export const DEFAULT_QUEUE_NAME = 'hrtem-sweep';
/** Default BullMQ key prefix. */
export const DEFAULT_PREFIX = 'bull';
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The URL with any password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * Checks the options and builds the ioredis options BullMQ connections use.
 *
 * @throws InputError for a URL that is not redis:// or rediss://, a bad queue name or an
 *   unreadable TLS file
 */
export function redisOptions(options: QueueConnectionOptions): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new InputError(
      `queue: --queue must be a URL like redis://HOST:PORT or rediss://HOST:PORT, got '${redactUrl(options.url)}'`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(
      `queue: --queue must use redis:// or rediss:// (TLS), got '${parsed.protocol}' in '${redactUrl(options.url)}'`,
    );
  }
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  if (!QUEUE_NAME.test(queueName)) {
    throw new InputError(
      `queue: queue name must match ${QUEUE_NAME} (letters, digits, '_', '.', '-'), got '${queueName}'`,
    );
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) {
    throw new InputError(
      `queue: the database number in '${redactUrl(options.url)}' must be an integer ≥ 0, got '${parsed.pathname.slice(1)}'`,
    );
  }
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const result: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    connectTimeout,
    // BullMQ requires null here for its blocking connections; the PING check bounds start-up.
    maxRetriesPerRequest: null,
  };
  if (parsed.username) result.username = decodeURIComponent(parsed.username);
  if (parsed.password) result.password = decodeURIComponent(parsed.password);
  const wantsTls =
    parsed.protocol === 'rediss:' ||
    options.tlsCaFile !== undefined ||
    options.tlsCertFile !== undefined ||
    options.tlsKeyFile !== undefined;
  if (wantsTls) {
    const tls: TlsConnectionOptions = { rejectUnauthorized: !options.tlsInsecure };
    // SNI takes host names only; an IP address is still verified against the certificate.
    const servername = options.tlsServerName ?? (isIP(result.host!) ? undefined : result.host);
    if (servername) tls.servername = servername;
    if (options.tlsCaFile) tls.ca = readPem(options.tlsCaFile, '--tls-ca');
    if (options.tlsCertFile) tls.cert = readPem(options.tlsCertFile, '--tls-cert');
    if (options.tlsKeyFile) tls.key = readPem(options.tlsKeyFile, '--tls-key');
    result.tls = tls;
  }
  return result;
}

/** {@link redisOptions} typed for BullMQ's constructors. */
export function bullConnection(options: QueueConnectionOptions): ConnectionOptions {
  return redisOptions(options) as ConnectionOptions;
}

function readPem(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(
      `queue: could not read the ${option} file ${path}: ${(error as Error).message}`,
    );
  }
}

/**
 * Connects once, sends PING and disconnects, all within `connectTimeoutMs`.
 *
 * @throws InputError naming the (redacted) URL and the cause: unreachable, refused, timed out,
 *   wrong or missing password, TLS failure
 */
export async function checkRedis(options: QueueConnectionOptions): Promise<void> {
  const base = redisOptions(options);
  const limitMs = options.connectTimeoutMs ?? 5000;
  const client = new Redis({
    ...base,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  // The socket's own error (refused, WRONGPASS, a bad certificate) arrives as an 'error' event;
  // connect() may only say "closed" or not settle at all, so the first such error decides.
  let onError!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => {
    onError = reject;
  });
  client.on('error', (error: Error) => onError(error));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      failed,
      timeout,
    ]);
  } catch (error) {
    throw new InputError(explainRedisError(error, options.url));
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** One sentence on why a Redis connection failed, with the fix. */
export function explainRedisError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = redactUrl(url);
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return `queue: Redis at ${where} refused the password (${message}); check the password in --queue redis://:PASSWORD@HOST:PORT`;
  }
  if (/NOAUTH/i.test(message)) {
    return `queue: Redis at ${where} requires a password (${message}); give it as --queue redis://:PASSWORD@HOST:PORT`;
  }
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `queue: could not connect to Redis at ${where}: connection refused; is redis-server running there and is the port right?`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(message)) {
    return `queue: could not resolve the Redis host in ${where} (${message})`;
  }
  if (/no answer within|ETIMEDOUT|connect timeout/i.test(message)) {
    return `queue: Redis at ${where} did not answer (${message}); check the host, the port, a firewall, or TLS (rediss://) settings`;
  }
  if (/certificate|SSL|TLS|self.signed/i.test(message)) {
    return `queue: TLS handshake with Redis at ${where} failed (${message}); check --tls-ca and the server name`;
  }
  return `queue: could not use Redis at ${where}: ${message}`;
}
