/**
 * Writes docs/examples/slip-prescription.{pdf,png}: a prescription slip for a child's representative.
 * Needs poppler-utils (pdftoppm). Run from the repo root:
 *   PATH=$PWD/node_modules/.bin:$PATH npx swc apps/info-slip-renderer/src/pdf -d dist/slip-example \
 *     --config-file .swcrc --strip-leading-paths -q \
 *   && PATH=$PWD/node_modules/.bin:$PATH node dist/slip-example/info-slip-renderer/src/pdf/render-example.js
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSlipPdf } from './render-slip';
import { PRESCRIPTION_FOR_CHILD } from './sample-slips';

export async function writeExamples(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const pdfPath = join(outDir, 'slip-prescription.pdf');
  writeFileSync(pdfPath, await renderSlipPdf(PRESCRIPTION_FOR_CHILD));
  // pdftoppm adds ".png" itself with -singlefile.
  execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', pdfPath, join(outDir, 'slip-prescription')]);
}

if (require.main === module) {
  const outDir = process.argv[2] ?? join(process.cwd(), 'docs', 'examples');
  writeExamples(outDir).then(
    () => console.log(`wrote ${outDir}/slip-prescription.{pdf,png}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
