/**
 * Starts a private `redis-server` on a random loopback port for a test, with append-only
 * persistence in a temporary folder, and stops it afterwards. Tests that need Redis skip with a
 * visible message when no `redis-server` binary exists and the variable `CI` is unset; with `CI`
 * set they fail instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test server. */
export interface TestRedis {
  url: string;
  port: number;
  /** Data folder (append-only file). */
  dir: string;
  /** Stops the server gracefully (SIGTERM, so the append-only file is flushed). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/** Path of the redis-server binary, or undefined. */
export function findRedisServer(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** What a test file prints when it skips for want of redis-server. */
export const REDIS_SKIP_MESSAGE =
  'SKIPPING queue tests: no redis-server binary found (apt-get install redis-server); in CI this fails';

/**
 * Whether Redis tests can run here: true with a binary; without one, false after printing
 * {@link REDIS_SKIP_MESSAGE} when `CI` is unset, and a throw when `CI` is set, since CI must
 * install redis-server. Each queue test file calls it once at load.
 */
export function redisTestsEnabled(): boolean {
  if (findRedisServer()) return true;
  if (process.env.CI) {
    throw new Error('redis-server not found but CI is set: .ci/run must install redis-server');
  }
  console.warn(REDIS_SKIP_MESSAGE);
  return false;
}

/** Certificate files of a TLS test server. */
export interface TestTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a throw-away CA and a server certificate for `localhost` and 127.0.0.1 with openssl.
 *
 * @param dir folder to write `ca.crt`, `server.crt`, `server.key` into
 */
export function makeTestCertificates(dir: string): TestTlsFiles {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt'].concat(
      ['-days', '2', '-subj', '/CN=hrtem-test-ca'],
    ),
  );
  run(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr'].concat([
      '-subj',
      '/CN=localhost',
    ]),
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]),
  );
  return {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
  };
}

/**
 * A server for a test. Plain requests (no password, no TLS, not `private`) use the server that
 * `.ci/run` started when HRTEM_TEST_REDIS_URL is set; a test that stops and restarts its server
 * asks for a `private` one. Otherwise starts a server: `password` sets `requirepass`; `tls` serves
 * TLS only (rediss://).
 */
export async function startTestRedis(
  options: { password?: string; tls?: TestTlsFiles; private?: boolean } = {},
): Promise<TestRedis> {
  const sharedUrl = process.env.HRTEM_TEST_REDIS_URL;
  if (sharedUrl && !options.password && !options.tls && !options.private) {
    const refuse = async () => {
      throw new Error('the shared test redis-server cannot be restarted; ask for a private one');
    };
    return {
      url: sharedUrl,
      port: Number(new URL(sharedUrl).port),
      dir: '',
      stop: refuse,
      start: refuse,
      dispose: async () => {},
    };
  }
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found');
  const dir = mkdtempSync(join(tmpdir(), 'hrtem-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async (chosen: number): Promise<boolean> => {
    const tls = options.tls;
    const ports = tls
      ? ['--port', '0', '--tls-port', String(chosen), '--tls-cert-file', tls.certFile]
          .concat(['--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile])
          .concat(['--tls-auth-clients', 'no'])
      : ['--port', String(chosen)];
    const args = [
      ...ports,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ];
    if (options.password) args.push('--requirepass', options.password);
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ok = await new Promise<boolean>((resolve) => {
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.on('exit', () => resolve(false));
      setTimeout(() => resolve(false), 10_000);
    });
    if (ok) child = proc;
    else proc.kill('SIGKILL');
    return ok;
  };
  for (let tries = 0; tries < 20 && !child; tries++) {
    port = 6400 + Math.floor(Math.random() * 600);
    await launch(port);
  }
  if (!child) throw new Error('could not start redis-server on a port in 6400–6999');
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.on('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start: async () => {
      for (let tries = 0; tries < 50 && !child; tries++) {
        if (!(await launch(port))) await new Promise((r) => setTimeout(r, 100));
      }
      if (!child) throw new Error(`could not restart redis-server on port ${port}`);
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
