// Preloaded into a measured process (node --import): prints its peak RSS and its own CPU time
// (user + system, this process only) on stderr at exit.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `peak-rss-mb: ${Math.round(u.maxRSS / 1024)}\n`);
  writeSync(
    2,
    `cpu-user-s: ${(u.userCPUTime / 1e6).toFixed(2)} cpu-sys-s: ${(u.systemCPUTime / 1e6).toFixed(2)}\n`,
  );
});
