// The package version, read once from package.json (tsx runs the sources directly, so there is no
// build step that could inline it).

import { readFileSync } from "node:fs";
import path from "node:path";

export const VERSION: string = (JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
