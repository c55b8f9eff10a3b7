// The structure figures the README reports: the largest function in gateway/ (lines), the cycles
// between gateway folders, and the folder-to-folder import edges that make them.
// Run: node --import tsx scripts/structure/measure.ts

import { readFileSync } from "node:fs";
import ts from "typescript";
import { folderCycles, gatewayFolder, importsOf, sourceFiles } from "./imports";

const root = process.cwd();
const files = sourceFiles(root, "gateway").filter((f) => !f.includes("/protocol/"));

const fns: { file: string; name: string; lines: number }[] = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
      fns.push({ file, name, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
fns.sort((a, b) => b.lines - a.lines);
console.log("largest functions in gateway/:");
for (const f of fns.slice(0, 5)) console.log(`  ${f.lines} lines  ${f.name}  ${f.file}`);

const edges = files.flatMap((f) => importsOf(root, f));
const cycles = folderCycles(edges);
console.log(`folder cycles: ${cycles.length}`);
for (const c of cycles) {
  console.log(`  ${c.join(" <-> ")}`);
  for (const e of edges) {
    const a = gatewayFolder(e.from);
    const b = gatewayFolder(e.to);
    if (a && b && a !== b && c.includes(a) && c.includes(b)) console.log(`    ${e.from}:${e.line} -> ${e.to}${e.typeOnly ? " (type)" : ""}`);
  }
}
