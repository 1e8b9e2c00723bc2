/**
 * No instruction set leaks out of its kernels (native/check_isa.mjs): code compiled with
 * AVX2/AVX-512/AMX flags is reachable only through the ISA-named entry points that isa.cc
 * calls after checking the CPU, never from portable code (a shared weak symbol such as
 * std::vector<float>::_M_fill_assign, emitted by a portable and an AVX-512 object, once put
 * zmm instructions on the portable path). The rules are tested on synthetic disassembly
 * and symbol tables; then the built addon is checked (objdump/nm from binutils; required
 * where FLUXION_REQUIRE_NATIVE=1, as in .ci/run).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain .mjs tool without type declarations
import { checkBuild, checkDisassembly, checkObjectSymbols, tierOf } from "../../native/check_isa.mjs";

type Check = (text: string, tag?: string) => string[];
const disasm = checkDisassembly as Check;
const symbols = checkObjectSymbols as Check;

test("a function's tier comes from its ISA namespace or entry-point suffix", () => {
  const tier = tierOf as (name: string) => string;
  assert.equal(tier("void fluxion::isa_avx512::(anonymous namespace)::binary_row<float>(long)"), "avx512");
  assert.equal(tier("fluxion::gemm_avx2(fluxion::GemmArgs const&)"), "avx2");
  assert.equal(tier("fluxion::gemm_bf16_avx512bf16(fluxion::GemmArgs const&)"), "avx512bf16");
  assert.equal(tier("fluxion::isa_amx::(anonymous namespace)::compute_task<X>(void*, long)"), "amx");
  assert.equal(tier("fluxion::(anonymous namespace)::sum_run<double>(double const*, long)"), "portable");
  assert.equal(tier("std::vector<float, std::allocator<float> >::_M_fill_assign(unsigned long, float const&)"), "portable");
  assert.equal(tier("fluxion::avx512_like_name()"), "portable", "the tag counts only as isa_<tag> or an _<tag> suffix");
});

const fillAssign = `
0000000000021630 <std::vector<float, std::allocator<float> >::_M_fill_assign(unsigned long, float const&)>:
   21630:	push   %r12
   21632:	vmovss (%r12),%xmm0
   21638:	vbroadcastss %xmm0,%zmm0
`;

test("the disassembly rule flags AVX code in a portable function (the _M_fill_assign leak)", () => {
  const found = disasm(fillAssign);
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(found[0]!, /^std::vector<float.*_M_fill_assign.*\(portable\): VEX-encoded instruction \(AVX\): vmovss/);
});

test("the disassembly rule: what each tier may use", () => {
  const fn = (name: string, ...insns: string[]) => `0000000000001000 <${name}>:\n${insns.map((i, k) => `    ${(0x1000 + 4 * k).toString(16)}:\t${i}`).join("\n")}\n`;
  const portable = "fluxion::conv2d(fluxion::ConvArgs const&)";
  assert.deepEqual(disasm(fn(portable, "mov    %rdi,%rax", "movups (%rsi),%xmm0", "addps  %xmm1,%xmm0", "ret")), [], "SSE is baseline x86-64");
  assert.equal(disasm(fn(portable, "vzeroupper")).length, 1);
  assert.equal(disasm(fn(portable, "addps  %ymm1,%ymm0")).length, 1);
  const avx2 = "fluxion::isa_avx2::(anonymous namespace)::f()";
  assert.deepEqual(disasm(fn(avx2, "vfmadd231ps %ymm1,%ymm2,%ymm0", "vzeroupper")), []);
  assert.match(disasm(fn(avx2, "vaddps %zmm1,%zmm2,%zmm0"))[0]!, /zmm register/);
  assert.match(disasm(fn(avx2, "vaddps %ymm17,%ymm2,%ymm0"))[0]!, /ymm16-31/);
  assert.match(disasm(fn(avx2, "vmovups (%rdi),%ymm0{%k1}{z}"))[0]!, /mask register/);
  assert.match(disasm(fn(avx2, "vaddps (%rax){1to8},%ymm1,%ymm0"))[0]!, /broadcast/);
  const avx512 = "fluxion::gemm_avx512(fluxion::GemmArgs const&)";
  assert.deepEqual(disasm(fn(avx512, "vfmadd231ps %zmm1,%zmm2,%zmm0", "kmovw  %k1,%eax")), []);
  assert.match(disasm(fn(avx512, "vdpbf16ps %zmm1,%zmm2,%zmm0"))[0]!, /AVX512-BF16/);
  assert.match(disasm(fn(avx512, "tileloadd (%rax,%rbx,1),%tmm0"))[0]!, /AMX/);
  assert.deepEqual(disasm(fn("fluxion::isa_avx512bf16::(anonymous namespace)::g()", "vdpbf16ps %zmm1,%zmm2,%zmm0")), []);
  assert.match(disasm(fn("fluxion::isa_avx512bf16::(anonymous namespace)::g()", "ldtilecfg (%rax)"))[0]!, /AMX/);
  assert.deepEqual(disasm(fn("fluxion::gemm_bf16_amx(fluxion::GemmArgs const&)", "tdpbf16ps %tmm6,%tmm4,%tmm0")), []);
  // one report per function, naming the first offending instruction
  assert.equal(disasm(fn(portable, "vmovss (%rdi),%xmm0", "vaddss %xmm0,%xmm0,%xmm0")).length, 1);
});

test("the object rule flags weak or global symbols of an ISA object that lack its tag", () => {
  const nm = [
    "0000000000000000 W std::vector<float, std::allocator<float> >::_M_fill_assign(unsigned long, float const&)",
    "00000000000052c0 T fluxion::conv_winograd_image_avx512(fluxion::ConvArgs const&, float const*, long, float*, long, long)",
    "00000000000049c0 T fluxion::conv_winograd_weight_floats(fluxion::ConvArgs const&)",
    "0000000000000010 t fluxion::isa_avx512::(anonymous namespace)::input_transform(fluxion::ConvArgs const&)",
    "0000000000000020 t fluxion::(anonymous namespace)::local_helper()",
    "0000000000000000 u guard variable for fluxion::isa_avx512::(anonymous namespace)::kernels",
  ].join("\n");
  const found = symbols(nm, "avx512");
  assert.equal(found.length, 2, found.join("\n"));
  assert.match(found[0]!, /_M_fill_assign.*\[W\]/);
  assert.match(found[1]!, /conv_winograd_weight_floats.*\[T\]/);
});

const required = process.env.FLUXION_REQUIRE_NATIVE === "1" || !!process.env.CI;
const release = fileURLToPath(new URL("../../native/build/Release", import.meta.url));
const built = existsSync(`${release}/fluxion_native.node`);
const haveBinutils = spawnSync("objdump", ["--version"]).status === 0 && spawnSync("nm", ["--version"]).status === 0;

test("the built addon has no instruction set leak (objdump -d, nm of each ISA object)", { skip: required || (built && haveBinutils) ? false : "addon not built or binutils missing" }, () => {
  assert.ok(built, "native/build/Release/fluxion_native.node is missing: run `npm run build:native`");
  assert.ok(haveBinutils, "objdump/nm not found (Debian: apt-get install binutils)");
  const problems = (checkBuild as (dir: string) => string[])(release);
  assert.deepEqual(problems, []);
});
