/**
 * Scrapes a controller's /metrics and reads the Prometheus text exposition
 * strictly: every line is a HELP, a TYPE or a sample whose metric was
 * announced by a TYPE line, with well-formed labels and a number, and no
 * series appears twice. Anything else fails the read, naming the line.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One scrape's samples, by series (`name{a="x",b="y"}` with the labels sorted). */
export class Scrape {
  constructor(
    readonly samples: ReadonlyMap<string, number>,
    readonly types: ReadonlyMap<string, string>,
  ) {}

  /** The value of one series; undefined when it is absent. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.samples.get(seriesKey(name, labels));
  }

  /** The sum over every series of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const [key, value] of this.samples) {
      const parsed = parseKey(key);
      if (parsed.name === name && Object.entries(labels).every(([k, v]) => parsed.labels[k] === v)) total += value;
    }
    return total;
  }
}

/** Requests `url` (GET unless told; trusting `ca` under https) and returns its status, content type and body. */
export function fetchText(url: string, ca?: string, method = 'GET'): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const request = url.startsWith('https:') ? httpsRequest(url, { ca, method }, onResponse) : httpRequest(url, { method }, onResponse);
    request.on('error', reject);
    request.end();
  });
}

/** Scrapes `<httpUrl>/metrics` and parses it (see parsePrometheusText). */
export async function scrape(httpUrl: string, ca?: string): Promise<Scrape> {
  const { status, contentType, body } = await fetchText(`${httpUrl}/metrics`, ca);
  if (status !== 200) throw new Error(`GET /metrics answered ${status}: ${body}`);
  if (!contentType.startsWith('text/plain; version=0.0.4')) throw new Error(`GET /metrics: content type ${contentType}`);
  return parsePrometheusText(body);
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''] };

/** Parses the text exposition format 0.0.4, strictly (see the file comment). */
export function parsePrometheusText(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition does not end with a newline');
  for (const [index, line] of lines.slice(0, -1).entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === '' || HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`${where}: a second TYPE`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`${where}: not a HELP, TYPE or sample line`);
    const [, name, labelText = '', valueText] = sample;
    if (!announced(name!, types)) throw new Error(`${where}: no TYPE for ${name}`);
    const value = parseValue(valueText!);
    if (value === undefined) throw new Error(`${where}: the value is not a number`);
    const labels: Record<string, string> = {};
    for (const match of labelText.matchAll(new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\]|\\\\.)*)"`, 'g'))) {
      if (match[1]! in labels) throw new Error(`${where}: label ${match[1]} twice`);
      labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const key = seriesKey(name!, labels);
    if (samples.has(key)) throw new Error(`${where}: series ${key} twice`);
    samples.set(key, value);
  }
  return new Scrape(samples, types);
}

/** A sample's value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, prom-client writes `Nan`). */
function parseValue(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

function announced(name: string, types: ReadonlyMap<string, string>): boolean {
  if (types.has(name)) return true;
  return [...types].some(([base, type]) => (SUFFIXES[type] ?? []).some((suffix) => name === `${base}${suffix}`));
}

function seriesKey(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels).sort();
  return `${name}{${sorted.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

function parseKey(key: string): { name: string; labels: Record<string, string> } {
  const open = key.indexOf('{');
  const name = key.slice(0, open);
  const labels: Record<string, string> = {};
  for (const match of key.slice(open + 1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")/g)) labels[match[1]!] = JSON.parse(match[2]!) as string;
  return { name, labels };
}
