// ipx behind a plain node:http server, as `ipx serve` runs it, with two output settings changed
// so it does the work of the workloads: baseline JPEG (ipx defaults to progressive, which costs
// more to encode) and EXIF auto-orientation (pixform and thumbor apply it; without it a rotated
// photograph would be resized in its stored orientation, a different output size).
//
// node serve_ipx.mjs IPX_INSTALL_DIR CORPUS_DIR HOST PORT
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

const [installDir, dir, host, port] = process.argv.slice(2);
const { createIPX, ipxFSStorage, createIPXNodeServer } = createRequire(
  join(installDir, "package.json"),
)("ipx");

const ipx = createIPX({
  storage: ipxFSStorage({ dir }),
  sharpOptions: { jpegProgressive: false, autoOrient: true },
});
createServer(createIPXNodeServer(ipx)).listen(Number(port), host, () =>
  console.error(`ipx on http://${host}:${port}`),
);
