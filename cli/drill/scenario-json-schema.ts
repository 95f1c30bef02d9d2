import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { scenarioSchema } from './scenario';

/** The scenario format as JSON Schema (for editors); `npx tsx cli/drill/scenario-json-schema.ts` rewrites the file. */
export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Bulkhead drill scenario' }, null, 2)}\n`;
}

/** Path of the committed schema file. */
export const SCENARIO_SCHEMA_FILE = path.join(__dirname, 'scenario.schema.json');

if (require.main === module) writeFileSync(SCENARIO_SCHEMA_FILE, scenarioJsonSchema());
