// Bundles the web map into dist/, which the Rust build embeds into the binary
// (crates/undermap-api/build.rs). No CDN, no external base map: everything the page needs is here.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2020"],
  outfile: "dist/app.js",
  legalComments: "linked",
});
copyFileSync("src/index.html", "dist/index.html");
copyFileSync("src/app.css", "dist/app.css");
copyFileSync("node_modules/maplibre-gl/dist/maplibre-gl.css", "dist/maplibre-gl.css");
console.log("web map built into web/dist");
