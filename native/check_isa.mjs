#!/usr/bin/env node
// Checks that no instruction set leaks out of its kernels in the built addon: code compiled
// under -mavx2 / -mavx512* / -mamx-* must run only after isa.cc has checked the CPU, so it
// must never be linked in where portable code calls it. The classic leak is an inline or
// template function (say std::vector<float>::_M_fill_assign) emitted as a weak symbol by
// both a portable and an AVX-512 object: the linker keeps one of the two, and a portable
// call can then execute AVX-512 instructions on an AVX2-only CPU (SIGILL).
//
// The rule rests on a naming convention: every ISA-specific source file puts its code in
// the namespace fluxion::isa_<tag> (an anonymous namespace inside it) and its entry points
// carry the tag (gemm_avx512, gemm_bf16_amx). Then:
//   1. objects: every global or weak symbol an ISA object defines carries its tag (a weak
//      std:: or fluxion:: helper there could replace another object's copy);
//   2. the linked addon (objdump -d): each function may use only what its name allows:
//      no tag: no VEX/EVEX instruction at all (no v* mnemonic, no ymm/zmm/mask/tile
//      register); avx2: no zmm, no xmm16-31/ymm16-31, no mask registers, no embedded
//      broadcast; avx512: no bfloat16 dot-product or AMX instruction; avx512bf16: no AMX.
//
// Usage: node native/check_isa.mjs [native/build/Release]  (exit 1 on a leak, 2 when the
// addon or objdump is missing). Run by test/backend/native_isa.test.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** ISA tags from the most to the least capable: a name carrying one may use its instructions. */
const TIERS = ["amx", "avx512bf16", "avx512", "avx2"];

/** The tier a (demangled) function name claims: "amx", "avx512bf16", "avx512", "avx2" or "portable". */
export function tierOf(name) {
  for (const t of TIERS) if (name.includes(`isa_${t}`) || new RegExp(`_${t}\\b`).test(name)) return t;
  return "portable";
}

const AMX = /^(tile|tdp|ldtilecfg|sttilecfg)/;
const BF16 = /^(vdpbf16ps|vcvtne2ps2bf16|vcvtneps2bf16)/;

/** Why instruction `mnemonic operands` is not allowed in a function of `tier`, or null. */
export function violation(tier, mnemonic, operands) {
  if (tier === "amx") return null;
  if (AMX.test(mnemonic) || /%tmm/.test(operands)) return "AMX instruction";
  if (tier === "avx512bf16") return null;
  if (BF16.test(mnemonic)) return "AVX512-BF16 instruction";
  if (tier === "avx512") return null;
  if (/%zmm/.test(operands)) return "zmm register (AVX-512)";
  if (/%[xy]mm(1[6-9]|2\d|3[01])\b/.test(operands)) return "xmm/ymm16-31 (AVX-512VL)";
  if (/%k[0-7]\b/.test(operands) || /\{1to\d+\}/.test(operands)) return "mask register or broadcast (AVX-512)";
  if (tier === "avx2") return null;
  if (/%ymm/.test(operands)) return "ymm register (AVX)";
  if (/^v/.test(mnemonic)) return "VEX-encoded instruction (AVX)";
  return null;
}

/**
 * Checks `objdump -d -C --no-show-raw-insn` output; returns one line per offending function
 * ("name: reason (first offending instruction)").
 */
export function checkDisassembly(text) {
  const problems = [];
  let name = null, tier = "portable", reported = false;
  for (const line of text.split("\n")) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) {
      name = head[1];
      tier = tierOf(name);
      reported = false;
      continue;
    }
    const insn = /^\s+[0-9a-f]+:\s+(?:\{[a-z]+\}\s+)?([a-z][a-z0-9.]*)\s*(.*)$/.exec(line);
    if (!insn || !name || reported) continue;
    const why = violation(tier, insn[1], insn[2]);
    if (why) {
      problems.push(`${name} (${tier}): ${why}: ${insn[1]} ${insn[2]}`.trim());
      reported = true;
    }
  }
  return problems;
}

/**
 * Checks `nm -C --defined-only` output of an object compiled for `tag`: every global or weak
 * symbol must carry the tag (else the linker may merge it with another object's copy).
 */
export function checkObjectSymbols(text, tag) {
  const problems = [];
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]*\s+([A-Za-z])\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, type, name] = m;
    // lower case (except u, v, w: unique/weak) is local: no other object can see it
    if (type === type.toLowerCase() && !"uvw".includes(type)) continue;
    if (tierOf(name) !== tag) problems.push(`${name} [${type}]: global or weak symbol without its ISA tag "${tag}"`);
  }
  return problems;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Checks the addon in `releaseDir` (native/build/Release): the linked binary and, when the
 * build's objects are there, each ISA library's objects. Returns the problems found.
 */
export function checkBuild(releaseDir) {
  const addon = path.join(releaseDir, "fluxion_native.node");
  const problems = checkDisassembly(run("objdump", ["-d", "-C", "--no-show-raw-insn", addon]));
  const objRoot = path.join(releaseDir, "obj.target");
  if (existsSync(objRoot)) {
    for (const lib of readdirSync(objRoot)) {
      const m = /^kernels_(\w+)$/.exec(lib);
      if (!m) continue;
      const srcDir = path.join(objRoot, lib, "src");
      for (const o of readdirSync(srcDir).filter((f) => f.endsWith(".o"))) {
        const found = checkObjectSymbols(run("nm", ["-C", "--defined-only", path.join(srcDir, o)]), m[1]);
        problems.push(...found.map((p) => `${lib}/${o}: ${p}`));
      }
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "build", "Release");
  if (!existsSync(path.join(dir, "fluxion_native.node"))) {
    console.error(`check_isa: no addon in ${dir} (build it with \`npm run build:native\`)`);
    process.exit(2);
  }
  if (spawnSync("objdump", ["--version"]).status !== 0) {
    console.error("check_isa: objdump not found (Debian: apt-get install binutils)");
    process.exit(2);
  }
  const problems = checkBuild(dir);
  for (const p of problems) console.error(p);
  console.log(problems.length ? `check_isa: ${problems.length} leak(s)` : "check_isa: no instruction set leaks");
  process.exit(problems.length ? 1 : 0);
}
