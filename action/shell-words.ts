// `codex-args` as openai/codex-action takes it: a JSON array of strings, or a shell-like string
// split on whitespace with POSIX-style quoting ('…' literal, "…" with \ escapes, \ outside quotes).
// Nothing is expanded: no variables, no globs.

export class ArgsSyntaxError extends Error {
  override readonly name = "ArgsSyntaxError";
}

export function parseArgs(text: string): string[] {
  const t = text.trim();
  if (t === "") return [];
  if (t.startsWith("[")) return parseJsonArray(t);
  return splitShellWords(t);
}

function parseJsonArray(t: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (err) {
    throw new ArgsSyntaxError(`it starts with "[" but is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new ArgsSyntaxError("a JSON value must be an array of strings, e.g. [\"--config\", \"model_verbosity=low\"]");
  }
  return v;
}

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const take = (s: string) => {
    cur += s;
    inWord = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ArgsSyntaxError("a single quote (') is never closed");
      take(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      const [value, next] = doubleQuoted(text, i + 1);
      take(value);
      i = next;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new ArgsSyntaxError("it ends with a lone backslash");
      take(text[i + 1]!);
      i += 2;
    } else {
      take(c);
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Reads a "…" word from just after its opening quote; returns the value and the index after the closing quote. */
function doubleQuoted(text: string, start: number): [string, number] {
  let out = "";
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return [out, i + 1];
    if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
      out += text[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  throw new ArgsSyntaxError('a double quote (") is never closed');
}
