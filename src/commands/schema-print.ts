import { UsageError } from '../errors.js';
import { manifestJsonSchema } from '../manifest/schema.js';
import { identitiesJsonSchema, planJsonSchema } from '../plan/schema.js';
import { eventsJsonSchema } from '../progress/events.js';

const SCHEMAS: Record<string, () => Record<string, unknown>> = {
  manifest: manifestJsonSchema,
  events: eventsJsonSchema,
  plan: planJsonSchema,
  identities: identitiesJsonSchema,
};

export async function printSchema(name: string): Promise<void> {
  const schema = SCHEMAS[name];
  if (!schema) {
    throw new UsageError(`unknown schema "${name}"`, { hint: `choose one of: ${Object.keys(SCHEMAS).join(', ')}` });
  }
  process.stdout.write(`${JSON.stringify(schema(), null, 2)}\n`);
}
