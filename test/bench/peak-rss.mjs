// Preloaded into a measured process (node --import): prints its peak RSS on stderr at exit.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `peak-rss-mb: ${Math.round(process.resourceUsage().maxRSS / 1024)}\n`);
});
