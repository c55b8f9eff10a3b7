// Builds the smallest reasonable document that satisfies a JSON schema, so the fake model can
// answer `text.format: json_schema` requests with something a strict validator accepts.

type Schema = Record<string, unknown>;

const MAX_DEPTH = 12;

export function minimalInstance(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return null;
  const s = schema as Schema;
  if (typeof s.$ref === 'string') return minimalInstance(resolveRef(root, s.$ref), root, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return minimalInstance(pickOption(options), root, depth + 1);
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return mergeAllOf(s.allOf, root, depth);
  return byType(s, pickType(s), root, depth);
}

function byType(s: Schema, type: string | undefined, root: unknown, depth: number): unknown {
  switch (type) {
    case 'string': return fakeString(s);
    case 'integer': return clampNumber(s, 1, true);
    case 'number': return clampNumber(s, 1, false);
    case 'boolean': return true;
    case 'null': return null;
    case 'array': return arrayInstance(s, root, depth);
    case 'object': return objectInstance(s, root, depth);
    default: return s.properties ? objectInstance(s, root, depth) : 'fake';
  }
}

function pickType(s: Schema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return (s.type as string[]).find((t) => t !== 'null') ?? 'null';
  return undefined;
}

/** Prefer a non-null branch so the answer carries content. */
function pickOption(options: unknown[]): unknown {
  return options.find((o) => !(typeof o === 'object' && o !== null && (o as Schema).type === 'null')) ?? options[0];
}

function fakeString(s: Schema): string {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  let out = 'fake';
  while (out.length < min) out += 'x';
  if (typeof s.maxLength === 'number') out = out.slice(0, s.maxLength);
  return out;
}

function clampNumber(s: Schema, preferred: number, integer: boolean): number {
  let n = preferred;
  if (typeof s.minimum === 'number' && n < s.minimum) n = s.minimum;
  if (typeof s.exclusiveMinimum === 'number' && n <= s.exclusiveMinimum) n = s.exclusiveMinimum + 1;
  if (typeof s.maximum === 'number' && n > s.maximum) n = s.maximum;
  if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) n = s.exclusiveMaximum - 1;
  return integer ? Math.ceil(n) : n;
}

function arrayInstance(s: Schema, root: unknown, depth: number): unknown[] {
  const count = Math.max(1, typeof s.minItems === 'number' ? s.minItems : 1);
  const capped = typeof s.maxItems === 'number' ? Math.min(count, s.maxItems) : count;
  if (Array.isArray(s.prefixItems)) return s.prefixItems.map((item) => minimalInstance(item, root, depth + 1));
  return Array.from({ length: capped }, () => minimalInstance(s.items ?? { type: 'string' }, root, depth + 1));
}

function objectInstance(s: Schema, root: unknown, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = (s.properties ?? {}) as Record<string, unknown>;
  // Strict structured output requires every property, so fill all of them, not just `required`.
  for (const [key, sub] of Object.entries(props)) out[key] = minimalInstance(sub, root, depth + 1);
  for (const key of Array.isArray(s.required) ? (s.required as string[]) : []) {
    if (!(key in out)) out[key] = 'fake';
  }
  return out;
}

function mergeAllOf(parts: unknown[], root: unknown, depth: number): unknown {
  const values = parts.map((p) => minimalInstance(p, root, depth + 1));
  if (values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    return Object.assign({}, ...values);
  }
  return values[0];
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null ? (node as Schema)[key] : undefined;
  }
  return node ?? {};
}
