// A large C++ program with full debug info (>= 300 MiB), for the heap symbolizer bench: a real
// Zeek RelWithDebInfo binary is 337 MiB, and what makes jeprof slow there is the binary's size
// (nm over every symbol, addr2line over DWARF), not the dump. Built once into the XDG cache,
// keyed by the generator's parameters; concurrent builders never see a half-written binary.
//
// How it is made: TUS translation units, each instantiating standard containers over its own
// types (std::map / unordered_map / vector / function / shared_ptr / ostringstream over
// per-TU structs), so every TU carries the full DWARF of the libstdc++ headers plus its own
// template instantiations; compiled `-g -O1 -fno-omit-frame-pointer` (inlining, so addr2line -i
// has inline chains to report), linked into one PIE. main() calls every TU's entry, which keeps
// allocations live through a chain of templated calls.
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, rmSync, statSync, writeFileSync, renameSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {run} from '../source/capture/runner.js';

export const BIG_TUS = 56;
const FLAGS = ['-std=c++17', '-g', '-O1', '-fno-omit-frame-pointer'];

export function tuSource(i: number): string {
	return `#include <map>
#include <unordered_map>
#include <vector>
#include <string>
#include <functional>
#include <memory>
#include <sstream>
#include <set>
#include <deque>
#include <algorithm>
namespace big${i} {
template <int K> struct Rec { long a[K + 1]; std::string name; std::vector<int> v; };
template <typename T> struct Pool {
	std::map<std::string, std::vector<T>> byName;
	std::unordered_map<long, std::shared_ptr<T>> byId;
	std::deque<std::function<long(const T&)>> hooks;
	std::set<std::string> names;
	void add(long id, const std::string& n, T t) {
		byName[n].push_back(t);
		byId[id] = std::make_shared<T>(t);
		names.insert(n);
		hooks.push_back([id](const T& x) { return id + (long)x.v.size(); });
	}
	long total() const { long s = 0; for (auto& kv : byName) for (auto& t : kv.second) for (auto& h : hooks) s += h(t); return s; }
};
template <int K> struct Layer {
	Pool<Rec<K>> pool;
	std::string describe(long n) { std::ostringstream os; os << "layer" << K << ":" << n << ":" << pool.total(); return os.str(); }
	__attribute__((noinline)) long fill(int n, std::vector<std::string>& keep) {
		for (int j = 0; j < n; j++) {
			Rec<K> r; r.name = "r" + std::to_string(j * ${i + 1}); r.v.assign(j % 7 + 1, K);
			pool.add(j, r.name, r);
		}
		keep.push_back(describe(n));
		return pool.total();
	}
};
#define L(K) static Layer<K> *layer##K = nullptr; \\
	__attribute__((noinline)) long run##K(int n, std::vector<std::string>& keep) { if (!layer##K) layer##K = new Layer<K>(); return layer##K->fill(n, keep); }
L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15) L(16) L(17) L(18) L(19) L(20) L(21) L(22) L(23) L(24)
}
__attribute__((noinline)) long big_entry_${i}(int n, std::vector<std::string>& keep) {
	using namespace big${i};
	return run1(n, keep) + run2(n, keep) + run3(n, keep) + run4(n, keep) + run5(n, keep) + run6(n, keep)
		+ run7(n, keep) + run8(n, keep) + run9(n, keep) + run10(n, keep) + run11(n, keep) + run12(n, keep)
		+ run13(n, keep) + run14(n, keep) + run15(n, keep) + run16(n, keep) + run17(n, keep) + run18(n, keep)
		+ run19(n, keep) + run20(n, keep) + run21(n, keep) + run22(n, keep) + run23(n, keep) + run24(n, keep);
}
`;
}

function mainSource(tus: number): string {
	const decls = Array.from({length: tus}, (_, i) => `long big_entry_${i}(int, std::vector<std::string>&);`).join('\n');
	const calls = Array.from({length: tus}, (_, i) => `\ts += big_entry_${i}(n, *keep);`).join('\n');
	return `#include <vector>
#include <string>
#include <cstdio>
#include <cstdlib>
${decls}
int main(int argc, char** argv) {
	int n = argc > 1 ? std::atoi(argv[1]) : 20;
	auto* keep = new std::vector<std::string>();
	long s = 0;
${calls}
	std::printf("%ld %zu\\n", s, keep->size());
	return 0;
}
`;
}

export function bigBinaryDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
	const hash = createHash('sha256').update(tuSource(0)).update(mainSource(BIG_TUS)).update(FLAGS.join(' ')).update(String(BIG_TUS)).digest('hex').slice(0, 12);
	return join(base, 'zeektop', 'bench-big', hash);
}

/** Builds (or finds) the big binary; `jobs` compilers at once, each under nice. */
export async function ensureBigBinary(options: {jobs?: number; log?: (line: string) => void; timeoutMs?: number} = {}): Promise<string> {
	const dir = bigBinaryDir();
	const bin = join(dir, 'bigprog');
	if (existsSync(bin)) return bin;
	const log = options.log ?? (() => {});
	const src = join(dir, 'src');
	mkdirSync(src, {recursive: true});
	const deadline = Date.now() + (options.timeoutMs ?? 40 * 60_000);
	const objs: string[] = [];
	const pending: number[] = Array.from({length: BIG_TUS}, (_, i) => i);
	const started = Date.now();
	const worker = async () => {
		for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
			const obj = join(src, `tu${i}.o`);
			objs[i] = obj;
			if (existsSync(obj)) continue;
			if (Date.now() > deadline) throw new Error('big binary build exceeded its time bound');
			const cc = join(src, `tu${i}.cc`);
			writeFileSync(cc, tuSource(i));
			const r = await run('nice', ['-n', '10', 'g++', ...FLAGS, '-c', '-o', `${obj}.tmp`, cc], {timeoutMs: 600_000});
			if (r.code !== 0) throw new Error(`g++ failed on tu${i}: ${r.stderr.slice(0, 400)}`);
			renameSync(`${obj}.tmp`, obj);
			if (i % 10 === 0) log(`  compiled tu${i} (${Math.round((Date.now() - started) / 1000)} s)`);
		}
	};
	await Promise.all(Array.from({length: options.jobs ?? 2}, worker));
	const mainCc = join(src, 'main.cc');
	writeFileSync(mainCc, mainSource(BIG_TUS));
	const tmp = `${bin}.tmp-${process.pid}`;
	const r = await run('nice', ['-n', '10', 'g++', ...FLAGS, '-o', tmp, mainCc, ...objs], {timeoutMs: 600_000});
	if (r.code !== 0) {
		rmSync(tmp, {force: true});
		throw new Error(`link failed: ${r.stderr.slice(0, 400)}`);
	}
	renameSync(tmp, bin);
	// The objects are only needed to build; the binary is what the bench reads.
	rmSync(src, {recursive: true, force: true});
	log(`  linked ${bin}: ${Math.round(statSync(bin).size / 2 ** 20)} MiB in ${Math.round((Date.now() - started) / 1000)} s`);
	return bin;
}

if (process.argv[1] && process.argv[1].endsWith('big-binary.ts')) {
	const bin = await ensureBigBinary({log: l => console.log(l)});
	console.log(bin);
}
