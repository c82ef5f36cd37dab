#!/usr/bin/env bash
# Where the bytes of the two Lambda binaries go: builds them with the release
# profile but keeps the symbol table (target/size-breakdown/, apart from the
# shipped build), then prints, per function, the stripped size and its
# largest parts by ELF section and by origin (crc-fast's lookup tables,
# aws-lc's C and assembly, Rust code). Needs binutils (size, nm, strip).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --locked -p ingest -p retrieve \
    --target-dir target/size-breakdown
for function in ingest retrieve; do
    binary=target/size-breakdown/release/$function
    strip -o "$binary.stripped" "$binary"
    python3 - "$function" "$binary" <<'EOF'
import subprocess, sys
function, binary = sys.argv[1], sys.argv[2]
mb = lambda n: f"{n / 1e6:.2f} MB"
stripped = len(open(binary + ".stripped", "rb").read())
sections = {}
for line in subprocess.run(["size", "-A", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[0].startswith("."):
        sections[parts[0]] = int(parts[1])
origin = {}
for line in subprocess.run(["nm", "-S", "-C", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(None, 3)
    if len(parts) < 4 or len(parts[2]) != 1 or parts[2] in "bBuUwWvV":
        continue
    name, size = parts[3], int(parts[1], 16)
    if name.startswith("crc_fast::tables::"):
        key = "crc-fast lookup tables"
    elif "::" in name or name.startswith("<"):
        key = "Rust code and data"
    else:
        key = "C and assembly (aws-lc)"
    origin[key] = origin.get(key, 0) + size
print(f"\n{function}: {mb(stripped)} stripped")
for name in [".text", ".rodata", ".rela.dyn", ".eh_frame", ".eh_frame_hdr", ".data.rel.ro"]:
    print(f"  section {name:<14} {mb(sections.get(name, 0))}")
for key, size in sorted(origin.items(), key=lambda kv: -kv[1]):
    print(f"  symbols {key:<24} {mb(size)}")
EOF
done
