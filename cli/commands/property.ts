// `webalytic property ...`: create, change and inspect properties (the sites Webalytic tracks).
import { executePropertyCommand, loadProperty } from '../../administration/properties.ts';
import { openPropertyDirectory } from '../../administration/property-directory.ts';
import { PropertyCommandRejected, type PropertyCommand } from '../../domain/property/index.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { parseCommandArgs } from '../args.ts';

const SETTING_OPTIONS = {
  id: { type: 'string' },
  name: { type: 'string' },
  url: { type: 'string' },
  domains: { type: 'string' },
  'time-zone': { type: 'string' },
  currency: { type: 'string' },
  'session-timeout': { type: 'string' },
  'campaign-timeout': { type: 'string' },
  'retention-days': { type: 'string' },
  'referral-exclusions': { type: 'string' },
  'social-networks': { type: 'string' },
  'bot-filtering': { type: 'string' },
  'ip-anonymization': { type: 'string' },
  'user-id-identity': { type: 'string' },
  'respect-dnt': { type: 'string' },
  'manual-tags-override': { type: 'string' },
  settings: { type: 'string' },
  index: { type: 'string' },
  scope: { type: 'string' },
  inactive: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const help = `Usage: webalytic property <action> [options]

Actions:
  create --id UA-XXXXX-Y --name NAME --url URL [settings]   create a property
  update --id UA-XXXXX-Y [settings]                         change some settings
  list [--json]                                             every property
  show --id UA-XXXXX-Y                                      one property's settings (JSON)
  define-dimension --id ID --index N --name NAME --scope hit|session|user|product [--inactive]
  define-metric    --id ID --index N --name NAME --scope hit|product [--inactive]
  deactivate --id ID | reactivate --id ID

Settings:
  --domains a.com,b.com          the site's own domains (never counted as referrers)
  --time-zone Europe/Berlin      IANA time zone of days and the midnight session split
  --currency EUR                 ISO 4217 code
  --session-timeout 30           minutes, 1 to 240
  --campaign-timeout 183         days, 1 to 730
  --retention-days 400           days the raw hits are kept (0 = forever; read models keep their numbers)
  --referral-exclusions x.com,y.com
  --social-networks a.com,b.com  replaces the social network list
  --bot-filtering on|off         --ip-anonymization always|on-request
  --user-id-identity on|off      --respect-dnt on|off
  --manual-tags-override on|off  UTM values win over gclid
  --settings '{"organicSearchEngines":[...]}'   any other setting, as JSON

Examples:
  webalytic property create --id UA-12345-1 --name "My site" --url https://example.com --time-zone Europe/Berlin
  webalytic property update --id UA-12345-1 --session-timeout 45`;

type Options = ReturnType<typeof parse>['values'];

const parse = (args: string[]) => parseCommandArgs(args, SETTING_OPTIONS, true);

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

function onOff(option: string, value: string): boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new UsageError(`--${option} must be on or off`);
}

function integer(option: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${option} must be an integer`);
  return Number(value);
}

/** Turns the command-line settings into the command's data; the decider validates the values. */
function settingsFrom(values: Options): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (values.settings !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.settings);
    } catch {
      throw new UsageError('--settings must be a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--settings must be a JSON object');
    Object.assign(settings, parsed);
  }
  if (values.name !== undefined) settings.name = values.name;
  if (values.url !== undefined) settings.defaultUrl = values.url;
  if (values.domains !== undefined) settings.domains = list(values.domains);
  if (values['time-zone'] !== undefined) settings.timeZone = values['time-zone'];
  if (values.currency !== undefined) settings.currency = values.currency;
  if (values['session-timeout'] !== undefined) settings.sessionTimeoutMinutes = integer('session-timeout', values['session-timeout']);
  if (values['campaign-timeout'] !== undefined) settings.campaignTimeoutDays = integer('campaign-timeout', values['campaign-timeout']);
  if (values['retention-days'] !== undefined) settings.retentionDays = integer('retention-days', values['retention-days']);
  if (values['referral-exclusions'] !== undefined) settings.referralExclusions = list(values['referral-exclusions']);
  if (values['social-networks'] !== undefined) settings.socialNetworks = list(values['social-networks']);
  if (values['bot-filtering'] !== undefined) settings.botFiltering = onOff('bot-filtering', values['bot-filtering']);
  if (values['ip-anonymization'] !== undefined) settings.ipAnonymization = values['ip-anonymization'];
  if (values['user-id-identity'] !== undefined) settings.userIdIdentity = onOff('user-id-identity', values['user-id-identity']);
  if (values['respect-dnt'] !== undefined) settings.respectDoNotTrack = onOff('respect-dnt', values['respect-dnt']);
  if (values['manual-tags-override'] !== undefined) settings.manualTagsOverrideAutoTagging = onOff('manual-tags-override', values['manual-tags-override']);
  return settings;
}

function requireId(values: Options): string {
  if (!values.id) throw new UsageError('--id is required (the tracking id, e.g. UA-12345-1)');
  return values.id;
}

function commandFor(action: string, values: Options, now: number): PropertyCommand {
  const metadata = { now };
  const propertyId = requireId(values);
  switch (action) {
    case 'create':
      // The decider names any missing or bad field; the casts only carry unchecked CLI input to it.
      return { type: 'CreateProperty', data: { propertyId, ...settingsFrom(values) } as PropertyCommand['data'] & { name: string; defaultUrl: string }, metadata };
    case 'update':
      return { type: 'UpdatePropertySettings', data: { propertyId, ...settingsFrom(values) }, metadata };
    case 'define-dimension':
    case 'define-metric': {
      const definition = {
        propertyId,
        index: values.index === undefined ? Number.NaN : integer('index', values.index),
        name: values.name ?? '',
        scope: values.scope ?? '',
        active: !values.inactive,
      };
      return action === 'define-dimension'
        ? ({ type: 'DefineCustomDimension', data: definition, metadata } as PropertyCommand)
        : ({ type: 'DefineCustomMetric', data: definition, metadata } as PropertyCommand);
    }
    case 'deactivate':
      return { type: 'DeactivateProperty', data: { propertyId }, metadata };
    case 'reactivate':
      return { type: 'ReactivateProperty', data: { propertyId }, metadata };
    default:
      throw new UsageError(`unknown action '${action}'`);
  }
}

async function run(args: string[], { config, logger, out }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args);
  const [action, ...extra] = positionals;
  if (!action) throw new UsageError('an action is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const store = await openEventStore(config, logger);
  try {
    if (action === 'list') {
      const directory = openPropertyDirectory({ store, logger });
      await directory.ready;
      const properties = directory.list();
      await directory.close();
      if (values.json) out(JSON.stringify(properties, null, 2));
      else if (properties.length === 0) out('No properties yet. Create one: webalytic property create --id UA-12345-1 --name "My site" --url https://example.com');
      else for (const p of properties) out(`${p.id}\t${p.active ? 'active' : 'inactive'}\t${p.name}\t${p.defaultUrl}\t${p.timeZone}`);
      return 0;
    }
    if (action === 'show') {
      const id = requireId(values);
      const settings = await loadProperty(store, id);
      if (!settings) {
        process.stderr.write(`property ${id} does not exist\n`);
        return 1;
      }
      out(JSON.stringify(settings, null, 2));
      return 0;
    }
    const settings = await executePropertyCommand(store, commandFor(action, values, Date.now()));
    out(JSON.stringify(settings, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof PropertyCommandRejected) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

export const propertyCommand: Command = { name: 'property', summary: 'create, change, list and show properties', help, run };
