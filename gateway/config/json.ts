// A small JSON parser for the config file. Why not JSON.parse: its messages quote the input
// (which may hold a pasted secret) and do not give line and column. This one also accepts
// // and /* */ comments, as DESIGN.md's example has them, and refuses duplicate keys.

export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
  constructor(
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
  }
}

const MAX_DEPTH = 100;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export function parseJsonc(text: string): unknown {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (at: number, problem: string): never => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    throw new JsonSyntaxError(line, column, problem);
  };

  function skip(): void {
    for (;;) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (c === "/" && text[i + 1] === "/") {
        while (i < text.length && text[i] !== "\n") i++;
      } else if (c === "/" && text[i + 1] === "*") {
        const end = text.indexOf("*/", i + 2);
        if (end < 0) fail(i, "unterminated /* comment");
        i = end + 2;
      } else return;
    }
  }

  function value(depth: number): unknown {
    if (depth > MAX_DEPTH) fail(i, `nested more than ${MAX_DEPTH} levels deep`);
    skip();
    const c = text[i];
    if (c === "{") return object(depth);
    if (c === "[") return array(depth);
    if (c === '"') return string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (c === undefined) return fail(i, "unexpected end of file: a value is missing");
    if (c === "'") return fail(i, "strings need double quotes, not single quotes");
    if (c === "}" || c === "]") return fail(i, `expected a value before "${c}" (is there a trailing comma?)`);
    return fail(i, "expected a value: a \"string\", a number, an object, an array, true, false or null");
  }

  function object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    i++;
    skip();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skip();
      if (text[i] === "}") fail(i, 'trailing comma before "}" is not allowed');
      if (text[i] === "'") fail(i, "strings need double quotes, not single quotes");
      if (text[i] !== '"') fail(i, 'expected a property name in double quotes');
      const at = i;
      const key = string();
      if (seen.has(key)) fail(at, `duplicate key ${JSON.stringify(key)}`);
      seen.add(key);
      skip();
      if (text[i] !== ":") fail(i, `expected ":" after the property name`);
      i++;
      // defineProperty: a "__proto__" key stays a plain key (and is then refused as unknown).
      Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      skip();
      if (text[i] === ",") i++;
      else if (text[i] === "}") {
        i++;
        return out;
      } else fail(i, `expected "," or "}" after a property value`);
    }
  }

  function array(depth: number): unknown[] {
    const out: unknown[] = [];
    i++;
    skip();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      skip();
      if (text[i] === "]") fail(i, 'trailing comma before "]" is not allowed');
      out.push(value(depth + 1));
      skip();
      if (text[i] === ",") i++;
      else if (text[i] === "]") {
        i++;
        return out;
      } else fail(i, `expected "," or "]" after an array element`);
    }
  }

  function string(): string {
    const start = i;
    i++;
    let out = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail(start, "unterminated string");
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i, "bad \\u escape: needs 4 hex digits");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          i += 2;
        } else {
          fail(i, "bad escape in a string: use \\\\ for a backslash");
        }
      } else if (c < " ") {
        fail(i, c === "\n" ? "line break inside a string (use \\n)" : "control character inside a string");
      } else {
        out += c;
        i++;
      }
    }
  }

  function number(): number {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail(i, "bad number");
    const next = text[i + m[0].length];
    if (next !== undefined && /[0-9.eE]/.test(next)) fail(i, "bad number (no leading zeros; digits after a decimal point)");
    i += m[0].length;
    return Number(m[0]);
  }

  const result = value(0);
  skip();
  if (i < text.length) fail(i, "unexpected text after the end of the JSON value");
  return result;
}
