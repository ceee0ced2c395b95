import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's files, from this folder: index.html, sandbox.css, and each module as JavaScript
 * (the .ts beside it, types stripped by TypeScript's transpileModule on first request, then
 * cached). No bundler and no build step; nothing is fetched from anywhere else.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const cache = new Map<string, string>();

type Transpile = (source: string) => string;
let transpiler: Promise<Transpile> | null = null;

function loadTranspiler(): Promise<Transpile> {
  transpiler ??= import('typescript').then(
    ({ default: ts }) =>
      (source: string) =>
        ts.transpileModule(source, {
          compilerOptions: {
            module: ts.ModuleKind.ES2022,
            target: ts.ScriptTarget.ES2022,
            verbatimModuleSyntax: true,
          },
        }).outputText,
  );
  return transpiler;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

async function body(path: string): Promise<{ type: string; text: string } | null> {
  if (path === '/' || path === '/index.html')
    return { type: 'text/html; charset=utf-8', text: await readFile(join(HERE, 'index.html'), 'utf8') };
  if (path === '/web/sandbox.css')
    return { type: 'text/css; charset=utf-8', text: await readFile(join(HERE, 'sandbox.css'), 'utf8') };
  const module = /^\/web\/([a-z][a-z-]*)\.js$/.exec(path)?.[1];
  if (!module || module === 'serve') return null;
  const cached = cache.get(module);
  if (cached) return { type: 'text/javascript; charset=utf-8', text: cached };
  const source = await readFile(join(HERE, `${module}.ts`), 'utf8').catch(() => null);
  if (source === null) return null;
  const text = (await loadTranspiler())(source);
  cache.set(module, text);
  return { type: 'text/javascript; charset=utf-8', text };
}

/** Answers GET / and /web/… ; false when `path` is not one of the page's files. */
export async function servePage(path: string, res: ServerResponse): Promise<boolean> {
  const found = await body(path);
  if (!found) return false;
  res.writeHead(200, { 'content-type': found.type, ...SECURITY_HEADERS });
  res.end(found.text);
  return true;
}
