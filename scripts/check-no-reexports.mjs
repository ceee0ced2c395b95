// No shims in src/: every import names the module that defines the thing. Fails on `export … from`,
// `export * from` (type-only too) and `export { x }` of a name the file imported. dependency-cruiser
// cannot tell these apart from imports when a file both imports and re-exports one module, and biome's
// noBarrelFile skips type-only re-exports, so this reads each file's syntax itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['src'];
const files = roots.flatMap((root) =>
  readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, f)),
);

function importedNames(sf) {
  const names = new Set();
  for (const st of sf.statements) {
    const clause = ts.isImportDeclaration(st) ? st.importClause : undefined;
    if (!clause) continue;
    if (clause.name) names.add(clause.name.text);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) names.add(el.name.text);
  }
  return names;
}

function reExports(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imported = importedNames(sf);
  const found = [];
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st)) continue;
    const clause = st.exportClause;
    const passesOn =
      st.moduleSpecifier !== undefined ||
      (clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.some((el) => imported.has((el.propertyName ?? el.name).text)));
    if (!passesOn) continue;
    const { line } = sf.getLineAndCharacterOfPosition(st.getStart(sf));
    found.push(`${file}:${line + 1}: ${st.getText(sf).replace(/\s+/g, ' ')}`);
  }
  return found;
}

const problems = files.flatMap(reExports);
for (const p of problems) console.error(`re-export (import from the defining module instead): ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
