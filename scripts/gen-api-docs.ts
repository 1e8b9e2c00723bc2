// Writes docs/api.md from the op table (npm run docs:api); test/api/docs.test.ts fails while it is stale.
import { writeFileSync } from "node:fs";
import "../src/index.js";
import { apiReference } from "../src/api/docs.js";

writeFileSync(new URL("../docs/api.md", import.meta.url), apiReference());
console.log("wrote docs/api.md");
