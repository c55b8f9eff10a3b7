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
  return new JsoncReader(text).document();
}

/** A recursive-descent reader over the text; `pos` is where the next character is. */
class JsoncReader {
  private pos: number;

  constructor(private readonly text: string) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  document(): unknown {
    const result = this.value(0);
    this.skip();
    if (this.pos < this.text.length) this.fail(this.pos, "unexpected text after the end of the JSON value");
    return result;
  }

  private fail(at: number, problem: string): never {
    const before = this.text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    throw new JsonSyntaxError(line, column, problem);
  }

  private skip(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "/" && this.text[this.pos + 1] === "/") {
        while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
      } else if (c === "/" && this.text[this.pos + 1] === "*") {
        const end = this.text.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail(this.pos, "unterminated /* comment");
        this.pos = end + 2;
      } else return;
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(this.pos, `nested more than ${MAX_DEPTH} levels deep`);
    this.skip();
    const c = this.text[this.pos];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    if (c === undefined) return this.fail(this.pos, "unexpected end of file: a value is missing");
    if (c === "'") return this.fail(this.pos, "strings need double quotes, not single quotes");
    if (c === "}" || c === "]") return this.fail(this.pos, `expected a value before "${c}" (is there a trailing comma?)`);
    return this.fail(this.pos, "expected a value: a \"string\", a number, an object, an array, true, false or null");
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.pos++;
    this.skip();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skip();
      if (this.text[this.pos] === "}") this.fail(this.pos, 'trailing comma before "}" is not allowed');
      if (this.text[this.pos] === "'") this.fail(this.pos, "strings need double quotes, not single quotes");
      if (this.text[this.pos] !== '"') this.fail(this.pos, 'expected a property name in double quotes');
      const at = this.pos;
      const key = this.string();
      if (seen.has(key)) this.fail(at, `duplicate key ${JSON.stringify(key)}`);
      seen.add(key);
      this.skip();
      if (this.text[this.pos] !== ":") this.fail(this.pos, `expected ":" after the property name`);
      this.pos++;
      // defineProperty: a "__proto__" key stays a plain key (and is then refused as unknown).
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.skip();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      } else this.fail(this.pos, `expected "," or "}" after a property value`);
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skip();
      if (this.text[this.pos] === "]") this.fail(this.pos, 'trailing comma before "]" is not allowed');
      out.push(this.value(depth + 1));
      this.skip();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] === "]") {
        this.pos++;
        return out;
      } else this.fail(this.pos, `expected "," or "]" after an array element`);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) return this.fail(start, "unterminated string");
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = this.text[this.pos + 1];
        if (e === "u") {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(this.pos, "bad \\u escape: needs 4 hex digits");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.pos += 2;
        } else {
          this.fail(this.pos, "bad escape in a string: use \\\\ for a backslash");
        }
      } else if (c < " ") {
        this.fail(this.pos, c === "\n" ? "line break inside a string (use \\n)" : "control character inside a string");
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail(this.pos, "bad number");
    const next = this.text[this.pos + m[0].length];
    if (next !== undefined && /[0-9.eE]/.test(next)) this.fail(this.pos, "bad number (no leading zeros; digits after a decimal point)");
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
