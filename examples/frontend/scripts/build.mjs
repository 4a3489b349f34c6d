#!/usr/bin/env node
// A deliberately tiny, dependency-free stand-in for `react-scripts build`.
//
// It "bundles" src/ (CommonJS-style modules: require('./x'), import('./y'),
// require('./style.css'), require('./image.svg')) by wrapping each module in
// a function and concatenating them, and it writes a build/ folder with the
// same shape create-react-app produces:
//
//   index.html                                (template: public/index.html)
//   <route>/index.html                        (prerendered, see src/routes.js)
//   asset-manifest.json
//   <everything else in public/>              (favicon.ico, manifest.json, ...)
//   static/js/main.<hash8>.js(.map)
//   static/js/<id>.<hash8>.chunk.js(.map)     (one per import())
//   static/css/main.<hash8>.css(.map)
//   static/css/<id>.<hash8>.chunk.css(.map)
//   static/media/<name>.<hash20>.<ext>        (images, fonts, ...)
//
// Every hash is derived from file content (md5), nothing time-dependent is
// embedded, so two builds of the same sources + env are byte-identical.
//
// Environment variables honoured (same meaning as in create-react-app):
//   REACT_APP_*         inlined into the JS bundle (unset known ones -> "")
//   PUBLIC_URL          URL prefix the app is served from (default: "homepage"
//                       in package.json, else "" i.e. the site root)
//   BUILD_PATH          output folder, relative to this project (default: build)
//   GENERATE_SOURCEMAP  set to "false" to skip *.map files
//
// Only Node built-ins are used.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import zlib from 'node:zlib';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(appDir, 'src');
const publicDir = path.join(appDir, 'public');
const entryFile = path.join(srcDir, 'index.js');
const htmlTemplate = path.join(publicDir, 'index.html');

// Variables Cruddur's frontend reads; they are always defined (as "" when
// unset) so that a missing variable never leaves a dangling reference.
const KNOWN_ENV = [
  'REACT_APP_AWS_PROJECT_REGION',
  'REACT_APP_AWS_USER_POOLS_ID',
  'REACT_APP_BACKEND_URL',
  'REACT_APP_CLIENT_ID',
  'REACT_APP_FRONTEND_URL',
];

const MEDIA_EXTS = new Set([
  '.avif', '.bmp', '.eot', '.gif', '.ico', '.jpeg', '.jpg', '.otf', '.png',
  '.svg', '.ttf', '.webp', '.woff', '.woff2',
]);

class BuildError extends Error {}

const md5 = (data) => createHash('md5').update(data).digest('hex');
const posix = (p) => p.split(path.sep).join('/');
const relApp = (p) => posix(path.relative(appDir, p));
const moduleId = (file) => './' + relApp(file);

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BuildError(`Could not read ${relApp(file)}: ${err.message}`);
  }
}

function splitLines(text) {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

function loadConfig() {
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8'));
  } catch (err) {
    throw new BuildError(`Could not parse package.json: ${err.message}`);
  }

  let publicUrl;
  if (process.env.PUBLIC_URL !== undefined) {
    publicUrl = process.env.PUBLIC_URL;
  } else if (pkg.homepage) {
    publicUrl = new URL(pkg.homepage, 'http://localhost').pathname;
  } else {
    publicUrl = '';
  }
  publicUrl = publicUrl.replace(/\/+$/, '');
  const publicPath = publicUrl + '/';

  const env = { NODE_ENV: 'production', PUBLIC_URL: publicUrl };
  for (const key of KNOWN_ENV) env[key] = '';
  for (const key of Object.keys(process.env).sort()) {
    if (/^REACT_APP_/i.test(key)) env[key] = process.env[key];
  }

  const buildDir = path.resolve(appDir, process.env.BUILD_PATH || 'build');
  // Refuse output folders whose removal would destroy the project.
  const root = path.parse(buildDir).root;
  const isAncestorOfApp = appDir === buildDir || appDir.startsWith(buildDir.endsWith(path.sep) ? buildDir : buildDir + path.sep);
  const insideSources = ['src', 'public', 'scripts', 'node_modules']
    .map((d) => path.join(appDir, d))
    .some((d) => buildDir === d || buildDir.startsWith(d + path.sep));
  if (buildDir === root || isAncestorOfApp || insideSources) {
    throw new BuildError(
      `BUILD_PATH=${process.env.BUILD_PATH} resolves to ${buildDir}; clearing it would delete ` +
      'project files. Choose a dedicated output folder such as "build" or "dist".');
  }

  return {
    pkg,
    publicUrl,
    publicPath,
    env,
    buildDir,
    sourceMaps: process.env.GENERATE_SOURCEMAP !== 'false',
    chunkGlobal: 'webpackChunk' + String(pkg.name || 'app').replace(/[^A-Za-z0-9_$]/g, '_'),
    sourcePrefix: `webpack://${pkg.name || 'app'}/`,
  };
}

// ---------------------------------------------------------------------------
// Module graph
// ---------------------------------------------------------------------------

function resolveRequest(fromFile, request) {
  const fromDir = path.dirname(fromFile);
  if (!request.startsWith('./') && !request.startsWith('../')) {
    throw new BuildError(
      `Module not found: Error: Can't resolve '${request}' in '${relApp(fromDir)}'\n` +
      'This example has no npm dependencies; only relative imports are supported.');
  }
  const base = path.resolve(fromDir, request);
  for (const candidate of [base, base + '.js', path.join(base, 'index.js')]) {
    if (isFile(candidate)) {
      if (!candidate.startsWith(srcDir + path.sep)) {
        throw new BuildError(
          `Module not found: Error: You attempted to import ${request} which falls outside of ` +
          `the project src/ directory (from ${relApp(fromFile)}).`);
      }
      return candidate;
    }
  }
  throw new BuildError(`Module not found: Error: Can't resolve '${request}' in '${relApp(fromDir)}'`);
}

function kindOf(file) {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return 'js';
  if (ext === '.css') return 'css';
  if (MEDIA_EXTS.has(ext)) return 'media';
  throw new BuildError(`Unsupported file type for ${relApp(file)} (no loader for '${ext}').`);
}

const REQUIRE_RE = /\brequire\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const IMPORT_RE = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const ENV_RE = /\bprocess\.env\.([A-Za-z_$][\w$]*)/g;
const CSS_URL_RE = /url\(\s*(['"]?)([^'")]+)\1\s*\)/g;

function buildGraph(config) {
  const modules = new Map(); // id -> module record
  const order = []; // ids in depth-first discovery order (CSS order)

  function visit(file) {
    const id = moduleId(file);
    if (modules.has(id)) return id;
    const mod = { id, file, kind: kindOf(file), deps: [], dynamic: [] };
    modules.set(id, mod);
    order.push(id);

    if (mod.kind === 'media') {
      mod.bytes = fs.readFileSync(file);
      return id;
    }
    mod.source = readText(file);
    if (mod.kind === 'css') {
      // CSS url() references become media modules too.
      const found = [];
      for (const m of mod.source.matchAll(CSS_URL_RE)) {
        const ref = m[2].trim();
        if (/^(data:|https?:|\/\/|\/|#)/i.test(ref)) continue;
        const target = resolveRequest(file, ref.startsWith('.') ? ref : './' + ref);
        if (kindOf(target) !== 'media') {
          throw new BuildError(`${relApp(file)}: url(${ref}) must point at an image or font.`);
        }
        found.push([ref, visit(target)]);
      }
      mod.urls = new Map(found);
      return id;
    }

    // JS: collect static and dynamic imports in order of appearance.
    const pending = [];
    for (const m of mod.source.matchAll(REQUIRE_RE)) pending.push(['static', m[2]]);
    for (const m of mod.source.matchAll(IMPORT_RE)) pending.push(['dynamic', m[2]]);
    mod.resolved = new Map();
    for (const [type, request] of pending) {
      const target = resolveRequest(file, request);
      mod.resolved.set(request, moduleId(target));
      const targetId = visit(target);
      (type === 'static' ? mod.deps : mod.dynamic).push(targetId);
    }
    return id;
  }

  const entryId = visit(entryFile);
  return { modules, order, entryId };
}

function checkSyntax(graph) {
  for (const mod of graph.modules.values()) {
    if (mod.kind !== 'js') continue;
    try {
      vm.compileFunction(mod.source, ['module', 'exports', 'require'], { filename: relApp(mod.file) });
    } catch (err) {
      const where = String(err.stack || '').split('\n')[0];
      throw new BuildError(`Syntax error: ${err.message}\n  at ${where}`);
    }
  }
}

function staticClosure(graph, rootId, exclude = new Set()) {
  const seen = new Set();
  const stack = [rootId];
  while (stack.length) {
    const id = stack.pop();
    if (seen.has(id) || exclude.has(id)) continue;
    seen.add(id);
    const mod = graph.modules.get(id);
    for (const dep of mod.deps || []) stack.push(dep);
  }
  return seen;
}

function planChunks(graph) {
  const main = staticClosure(graph, graph.entryId);
  const chunks = [];
  const chunkOf = new Map(); // dynamic target id -> chunk (null if already in main)
  const usedIds = new Set();
  // Walk every dynamic import reachable from anything we emit.
  const queue = [...main];
  const seen = new Set(queue);
  while (queue.length) {
    const mod = graph.modules.get(queue.shift());
    for (const target of mod.dynamic || []) {
      if (chunkOf.has(target)) continue;
      if (main.has(target)) {
        chunkOf.set(target, null);
        continue;
      }
      // Numeric, content-independent but deterministic id (like webpack's
      // "deterministic" chunk ids): derived from the module path.
      let num = parseInt(md5(target).slice(0, 8), 16) % 1000;
      while (usedIds.has(num)) num = (num + 1) % 1000;
      usedIds.add(num);
      const members = staticClosure(graph, target, main);
      for (const c of chunks) for (const id of c.members) members.delete(id);
      const chunk = { num, target, members };
      chunks.push(chunk);
      chunkOf.set(target, chunk);
      for (const id of members) {
        if (!seen.has(id)) {
          seen.add(id);
          queue.push(id);
        }
      }
    }
  }
  chunks.sort((a, b) => a.num - b.num);
  return { main, chunks, chunkOf };
}

// ---------------------------------------------------------------------------
// Code generation with line-level source maps
// ---------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

class Output {
  constructor(config) {
    this.config = config;
    this.lines = [];
    this.sources = [];
    this.sourcesContent = [];
    this.sourceIndex = new Map();
  }

  source(mod) {
    if (!this.sourceIndex.has(mod.id)) {
      this.sourceIndex.set(mod.id, this.sources.length);
      this.sources.push(this.config.sourcePrefix + mod.id);
      this.sourcesContent.push(mod.source);
    }
    return this.sourceIndex.get(mod.id);
  }

  push(text, mapping = null) {
    this.lines.push({ text, mapping });
  }

  code() {
    return this.lines.map((l) => l.text).join('\n') + '\n';
  }

  map(file) {
    let prevSource = 0;
    let prevLine = 0;
    const mappings = this.lines.map(({ mapping }) => {
      if (!mapping) return '';
      const seg = vlq(0) + vlq(mapping.source - prevSource) + vlq(mapping.line - prevLine) + vlq(0);
      prevSource = mapping.source;
      prevLine = mapping.line;
      return seg;
    });
    return JSON.stringify({
      version: 3,
      file,
      mappings: mappings.join(';'),
      sources: this.sources,
      sourcesContent: this.sourcesContent,
      names: [],
    });
  }
}

function transformJsLine(line, mod, ctx) {
  return line
    .replace(REQUIRE_RE, (_, q, request) => `__require__(${JSON.stringify(mod.resolved.get(request))})`)
    .replace(IMPORT_RE, (_, q, request) => {
      const target = mod.resolved.get(request);
      const chunk = ctx.plan.chunkOf.get(target);
      const load = chunk ? `__require__.e(${chunk.num})` : 'Promise.resolve()';
      return `${load}.then(__require__.bind(__require__, ${JSON.stringify(target)}))`;
    })
    .replace(ENV_RE, (whole, key) => {
      if (Object.prototype.hasOwnProperty.call(ctx.config.env, key)) return JSON.stringify(ctx.config.env[key]);
      return /^REACT_APP_/i.test(key) ? '""' : 'undefined';
    });
}

function emitModules(out, ids, ctx) {
  for (const id of [...ids].sort()) {
    const mod = ctx.graph.modules.get(id);
    const key = JSON.stringify(id);
    if (mod.kind === 'js') {
      const src = out.source(mod);
      out.push(`${key}: function (module, exports, __require__) {`);
      splitLines(mod.source).forEach((line, i) => {
        out.push(transformJsLine(line, mod, ctx), { source: src, line: i });
      });
      out.push('},');
    } else if (mod.kind === 'media') {
      out.push(`${key}: function (module, exports, __require__) { module.exports = __require__.p + ${JSON.stringify(ctx.media.get(id))}; },`);
    } else {
      out.push(`${key}: function () { /* extracted by the CSS pipeline */ },`);
    }
  }
}

function emitCss(ids, ctx) {
  const out = new Output(ctx.config);
  for (const id of ctx.graph.order) {
    if (!ids.has(id)) continue;
    const mod = ctx.graph.modules.get(id);
    if (mod.kind !== 'css') continue;
    const src = out.source(mod);
    splitLines(mod.source).forEach((line, i) => {
      const text = line.replace(CSS_URL_RE, (whole, q, ref) => {
        const target = mod.urls.get(ref.trim());
        return target ? `url(${JSON.stringify(ctx.config.publicPath + ctx.media.get(target))})` : whole;
      });
      out.push(text, { source: src, line: i });
    });
  }
  return out.lines.length ? out : null;
}

// ---------------------------------------------------------------------------
// Writing files
// ---------------------------------------------------------------------------

class Emitter {
  constructor(config) {
    this.config = config;
    this.files = new Map(); // build-relative path -> Buffer
    this.manifest = {};
  }

  write(rel, data) {
    if (this.files.has(rel)) throw new BuildError(`Two outputs want to be written to ${rel}.`);
    this.files.set(rel, Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));
  }

  // Writes code (+ map) under a content-hashed name; returns the relative path.
  writeHashed(dir, base, suffix, out, commentFor, manifestKey) {
    const code = out.code();
    const hash = md5(code).slice(0, 8);
    const name = `${base}.${hash}${suffix}`;
    const rel = `${dir}/${name}`;
    if (this.config.sourceMaps) {
      this.write(rel, code + commentFor(`${name}.map`) + '\n');
      this.write(`${rel}.map`, out.map(name));
      this.manifest[`${name}.map`] = this.config.publicPath + `${rel}.map`;
    } else {
      this.write(rel, code);
    }
    this.manifest[manifestKey || rel] = this.config.publicPath + rel;
    return rel;
  }

  flush() {
    const { buildDir } = this.config;
    fs.rmSync(buildDir, { recursive: true, force: true });
    fs.mkdirSync(buildDir, { recursive: true });
    for (const rel of [...this.files.keys()].sort()) {
      const file = path.join(buildDir, ...rel.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, this.files.get(rel));
    }
  }
}

function copyPublic(emitter) {
  if (!fs.existsSync(publicDir)) return;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && full !== htmlTemplate) {
        emitter.write(posix(path.relative(publicDir, full)), fs.readFileSync(full));
      }
    }
  };
  walk(publicDir);
}

function runtime(ctx, mainModulesOut, chunkFiles) {
  const out = mainModulesOut;
  const lines = [
    '/*! Built by scripts/build.mjs (cruddur-ops example, no dependencies). */',
    '(function () {',
    '"use strict";',
    'var __modules__ = {',
  ];
  const tail = [
    '};',
    'var __cache__ = {};',
    'function __require__(id) {',
    '  var cached = __cache__[id];',
    '  if (cached !== undefined) return cached.exports;',
    '  var factory = __modules__[id];',
    '  if (!factory) throw new Error("Cannot find module \'" + id + "\'");',
    '  var module = (__cache__[id] = { exports: {} });',
    '  factory.call(module.exports, module, module.exports, __require__);',
    '  return module.exports;',
    '}',
    `__require__.p = ${JSON.stringify(ctx.config.publicPath)};`,
    `var __chunks__ = ${JSON.stringify(chunkFiles)};`,
    'var __loading__ = {};',
    'function __load__(tag, attrs) {',
    '  return new Promise(function (resolve, reject) {',
    '    var el = document.createElement(tag);',
    '    for (var k in attrs) el.setAttribute(k, attrs[k]);',
    '    el.onload = function () { resolve(); };',
    '    el.onerror = function () { reject(new Error("Loading chunk failed: " + (attrs.src || attrs.href))); };',
    '    document.head.appendChild(el);',
    '  });',
    '}',
    '__require__.e = function (id) {',
    '  if (!__loading__[id]) {',
    '    var info = __chunks__[id];',
    '    if (!info) return Promise.reject(new Error("Unknown chunk " + id));',
    '    var parts = [];',
    '    if (info.css) parts.push(__load__("link", { rel: "stylesheet", href: __require__.p + info.css }));',
    '    parts.push(__load__("script", { src: __require__.p + info.js }));',
    '    __loading__[id] = Promise.all(parts).catch(function (err) { delete __loading__[id]; throw err; });',
    '  }',
    '  return __loading__[id];',
    '};',
    `var __queue__ = (self[${JSON.stringify(ctx.config.chunkGlobal)}] = self[${JSON.stringify(ctx.config.chunkGlobal)}] || []);`,
    'function __install__(data) {',
    '  var more = data[1];',
    '  for (var id in more) if (!__modules__[id]) __modules__[id] = more[id];',
    '}',
    '__queue__.forEach(__install__);',
    '__queue__.push = __install__;',
    `__require__(${JSON.stringify(ctx.graph.entryId)});`,
    '})();',
  ];
  const final = new Output(ctx.config);
  for (const l of lines) final.push(l);
  // Re-base the module lines (and their sources) into the final output.
  final.sources = out.sources;
  final.sourcesContent = out.sourcesContent;
  final.sourceIndex = out.sourceIndex;
  for (const l of out.lines) final.lines.push(l);
  for (const l of tail) final.push(l);
  return final;
}

// ---------------------------------------------------------------------------
// Prerendering: run the bundled modules in a DOM-less sandbox.
// ---------------------------------------------------------------------------

async function prerender(ctx) {
  const out = new Output(ctx.config);
  emitModules(out, ctx.graph.modules.keys(), { ...ctx, plan: { ...ctx.plan, chunkOf: new Map() } });
  const script = [
    '(function () {',
    'var __modules__ = {',
    out.code(),
    '};',
    'var __cache__ = {};',
    'function __require__(id) {',
    '  if (__cache__[id]) return __cache__[id].exports;',
    '  var module = (__cache__[id] = { exports: {} });',
    '  __modules__[id].call(module.exports, module, module.exports, __require__);',
    '  return module.exports;',
    '}',
    `__require__.p = ${JSON.stringify(ctx.config.publicPath)};`,
    'return __require__;',
    '})()',
  ].join('\n');
  const sandbox = vm.createContext({ console });
  let requireFn;
  try {
    requireFn = new vm.Script(script, { filename: 'prerender-bundle.js' }).runInContext(sandbox, { timeout: 5000 });
  } catch (err) {
    throw new BuildError(`Prerendering failed while loading the bundle: ${err.message}`);
  }
  const routesId = moduleId(path.join(srcDir, 'routes.js'));
  const appId = moduleId(path.join(srcDir, 'App.js'));
  if (!ctx.graph.modules.has(routesId) || !ctx.graph.modules.has(appId)) return [];

  const pages = [];
  let routes;
  let app;
  try {
    routes = requireFn(routesId);
    app = requireFn(appId);
  } catch (err) {
    throw new BuildError(`Prerendering failed: ${err.message}\n(Route modules must not touch window/document at import time.)`);
  }
  for (const route of routes) {
    if (route.path === '/' || route.prerender === false) continue;
    if (!/^\/[\w\-/]+$/.test(route.path)) {
      throw new BuildError(`Cannot prerender route '${route.path}': only plain paths like /users/profile are supported.`);
    }
    try {
      const { title, html } = await app.renderToString(route.path);
      pages.push({ path: route.path, title, html });
    } catch (err) {
      throw new BuildError(`Prerendering ${route.path} failed: ${err.message}`);
    }
  }
  return pages;
}

function renderHtml(template, ctx, assets, page) {
  const { env, publicUrl } = ctx.config;
  let html = template.replace(/%([A-Za-z0-9_]+)%/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(env, key) ? (key === 'PUBLIC_URL' ? publicUrl : env[key]) : whole);
  const tags = [];
  for (const js of assets.js) tags.push(`<script defer="defer" src="${ctx.config.publicPath}${js}"></script>`);
  for (const css of assets.css) tags.push(`<link href="${ctx.config.publicPath}${css}" rel="stylesheet">`);
  if (!html.includes('</head>')) throw new BuildError('public/index.html has no </head> tag to inject scripts into.');
  html = html.replace('</head>', tags.join('') + '</head>');
  if (page) {
    if (!html.includes('<div id="root"></div>')) {
      throw new BuildError('public/index.html must contain <div id="root"></div> for prerendering.');
    }
    html = html
      .replace(/<title>([^<]*)<\/title>/, (whole, t) => `<title>${page.title} | ${t}</title>`)
      .replace('<div id="root"></div>', () => `<div id="root">${page.html}</div>`);
  }
  return html;
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function formatSize(bytes) {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(2)} kB`;
}

async function build() {
  for (const required of [htmlTemplate, entryFile]) {
    if (!isFile(required)) {
      throw new BuildError(`Could not find a required file.\n  Name: ${path.basename(required)}\n  Searched in: ${path.dirname(required)}`);
    }
  }
  const config = loadConfig();
  const graph = buildGraph(config);
  checkSyntax(graph);
  const plan = planChunks(graph);
  const emitter = new Emitter(config);
  const media = new Map(); // module id -> build-relative path
  const ctx = { config, graph, plan, media };

  // 1. Media (content-hashed like webpack's asset modules: 20 hex chars).
  for (const [id, mod] of [...graph.modules].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (mod.kind !== 'media') continue;
    const ext = path.extname(mod.file);
    const name = path.basename(mod.file, ext).normalize('NFC');
    const rel = `static/media/${name}.${md5(mod.bytes).slice(0, 20)}${ext}`;
    media.set(id, rel);
    emitter.write(rel, mod.bytes);
    emitter.manifest[`static/media/${name}${ext}`] = config.publicPath + rel;
  }

  // 2. Lazy chunks (their file names are needed by the main runtime).
  const chunkFiles = {};
  const jsComment = (name) => `//# sourceMappingURL=${name}`;
  const cssComment = (name) => `/*# sourceMappingURL=${name}*/`;
  for (const chunk of plan.chunks) {
    const info = {};
    const css = emitCss(chunk.members, ctx);
    if (css) info.css = emitter.writeHashed('static/css', String(chunk.num), '.chunk.css', css, cssComment);
    const out = new Output(config);
    out.push(`"use strict";`);
    out.push(`(self[${JSON.stringify(config.chunkGlobal)}] = self[${JSON.stringify(config.chunkGlobal)}] || []).push([[${chunk.num}], {`);
    emitModules(out, chunk.members, ctx);
    out.push('}]);');
    info.js = emitter.writeHashed('static/js', String(chunk.num), '.chunk.js', out, jsComment);
    chunkFiles[chunk.num] = info;
  }

  // 3. Main CSS + JS.
  const entry = { js: [], css: [] };
  const mainCss = emitCss(plan.main, ctx);
  if (mainCss) entry.css.push(emitter.writeHashed('static/css', 'main', '.css', mainCss, cssComment, 'main.css'));
  const modulesOut = new Output(config);
  emitModules(modulesOut, plan.main, ctx);
  entry.js.push(emitter.writeHashed('static/js', 'main', '.js', runtime(ctx, modulesOut, chunkFiles), jsComment, 'main.js'));

  // 4. public/ (except the template), HTML, prerendered routes.
  copyPublic(emitter);
  const template = readText(htmlTemplate);
  emitter.write('index.html', renderHtml(template, ctx, entry));
  emitter.manifest['index.html'] = config.publicPath + 'index.html';
  for (const page of await prerender(ctx)) {
    const rel = `${page.path.slice(1)}/index.html`;
    emitter.write(rel, renderHtml(template, ctx, entry, page));
    emitter.manifest[rel] = config.publicPath + rel;
  }

  // 5. asset-manifest.json (same layout as CRA 5).
  const files = {};
  const rank = (k) => (k === 'main.css' ? 0 : k === 'main.js' ? 1 : k.endsWith('.map') ? 3 : 2);
  for (const key of Object.keys(emitter.manifest).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))) {
    files[key] = emitter.manifest[key];
  }
  emitter.write('asset-manifest.json', JSON.stringify({ files, entrypoints: [...entry.css, ...entry.js] }, null, 2) + '\n');

  emitter.flush();
  return { config, emitter, entry };
}

function report({ config, emitter }) {
  const rows = [...emitter.files.keys()]
    .filter((rel) => /^static\/(js|css)\/.*\.(js|css)$/.test(rel))
    .map((rel) => ({ rel, size: zlib.gzipSync(emitter.files.get(rel), { level: 9 }).length }))
    .sort((a, b) => b.size - a.size || (a.rel < b.rel ? -1 : 1));
  const relDir = path.relative(process.cwd(), config.buildDir);
  const shownDir = !relDir ? '.' : relDir.startsWith('..') || path.isAbsolute(relDir) ? config.buildDir : posix(relDir);
  const width = Math.max(...rows.map((r) => formatSize(r.size).length));
  console.log('Compiled successfully.\n');
  console.log('File sizes after gzip:\n');
  for (const r of rows) console.log(`  ${formatSize(r.size).padEnd(width)}  ${shownDir}/${r.rel}`);
  console.log(`\n  ${emitter.files.size} files written to ${shownDir}/`);
  const envKeys = Object.keys(config.env).filter((k) => /^REACT_APP_/i.test(k));
  const unset = envKeys.filter((k) => config.env[k] === '');
  console.log(`  Inlined ${envKeys.length} REACT_APP_* variables` + (unset.length ? ` (empty: ${unset.join(', ')})` : '') + '.');
  console.log(`\nThe project was built assuming it is hosted at ${config.publicPath}.`);
  console.log('You can control this with the homepage field in your package.json or PUBLIC_URL.\n');
  console.log(`The ${shownDir} folder is ready to be deployed.`);
}

console.log('Creating an optimized production build...');
build().then(report, (err) => {
  console.error('Failed to compile.\n');
  console.error(err instanceof BuildError ? err.message : err && err.stack ? err.stack : String(err));
  console.error('');
  process.exit(1);
});
