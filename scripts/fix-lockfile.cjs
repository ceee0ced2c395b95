// The registry reached here carries only some platforms' builds, so npm leaves the other
// platforms' optional packages out of the lock, and `npm ci` then refuses it. This adds those
// entries (version, os, cpu, libc, optional) without download addresses: npm ci skips them on
// this platform, exactly as it skips them with a complete lock.
const fs = require('node:fs');
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
let added = 0;
const platform = (name) => {
  const m = /-(android|darwin|linux|win32|freebsd)-(arm64|x64|arm|ia32)(-(musl|gnu))?$/.exec(name);
  return m ? { os: [m[1]], cpu: [m[2]], ...(m[4] ? { libc: [m[4] === 'gnu' ? 'glibc' : m[4]] } : {}) } : null;
};
for (const entry of Object.values({ ...pkgs })) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pkgs[key]) continue;
    const p = platform(name);
    if (!p) throw new Error(`cannot tell the platform of ${name}`);
    pkgs[key] = { version, ...p, optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} optional platform entries`);
