// Small formatting helpers for the generated Markdown: numbers, tables, verdicts.

export function ms(value: number | undefined | null, digits = 0): string {
  return value === undefined || value === null || Number.isNaN(value) ? '–' : `${value.toFixed(digits)} ms`;
}

export function num(value: number | undefined | null, digits = 0, unit = ''): string {
  return value === undefined || value === null || Number.isNaN(value) ? '–' : `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

export function ratio(value: number | undefined | null, digits = 2): string {
  return value === undefined || value === null || Number.isNaN(value) ? '–' : `${value.toFixed(digits)}×`;
}

export function pct(value: number | undefined | null): string {
  return value === undefined || value === null || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(0)} %`;
}

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export type Verdict = 'met' | 'missed' | 'not measured';

export function verdict(met: boolean | undefined): Verdict {
  return met === undefined ? 'not measured' : met ? 'met' : 'missed';
}

export function bold(v: Verdict): string {
  return v === 'met' ? '**met**' : v === 'missed' ? '**missed**' : '_not measured_';
}
