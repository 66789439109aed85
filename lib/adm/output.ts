// Output formats shared by the commands that print records: a table for people, JSON or YAML for scripts.
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-o json|yaml` prints `document`; the table format prints `table()`. */
export function renderOutput(format: OutputFormat, document: unknown, table: () => string): string {
  switch (format) {
    case 'json': return JSON.stringify(document, null, 2) + '\n';
    case 'yaml': return stringify(document);
    case 'table': return table();
  }
}
