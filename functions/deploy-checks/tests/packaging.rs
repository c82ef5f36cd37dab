//! The Lambda zips as `cargo lambda build --release --output-format zip`
//! makes them (scripts/package.sh): each holds an executable `bootstrap` that
//! runs on `provided.al2023`, whose glibc is 2.34, and stays under the 7 MB
//! the README promises.

use std::io::Read;
use std::path::{Path, PathBuf};

const NEWEST_GLIBC: (u32, u32) = (2, 34);

/// The README's bound on each release binary, as `unzip -l` counts it.
const MAX_BOOTSTRAP_BYTES: usize = 7_000_000;

fn zip_path(function: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("lambda").join(function).join("bootstrap.zip")
}

/// The highest `GLIBC_x.y` symbol version an ELF file asks for.
fn newest_glibc_needed(elf: &[u8]) -> Option<(u32, u32)> {
    let needle = b"GLIBC_";
    elf.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .filter_map(|(at, _)| {
            let rest = &elf[at + needle.len()..];
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .unwrap_or(rest.len());
            let version = std::str::from_utf8(&rest[..end]).ok()?;
            let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
}

fn check(function: &str) {
    let path = zip_path(function);
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}. Build the zips first: scripts/package.sh", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("a zip archive");
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    assert_eq!(
        names,
        vec!["bootstrap".to_owned()],
        "{function}: the zip holds only bootstrap"
    );

    let mut bootstrap = archive.by_name("bootstrap").unwrap();
    let mode = bootstrap.unix_mode().expect("unix permissions recorded");
    assert_eq!(
        mode & 0o111,
        0o111,
        "{function}: bootstrap is executable by all (mode {mode:o})"
    );
    let mut elf = Vec::new();
    bootstrap.read_to_end(&mut elf).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF", "{function}: bootstrap is an ELF executable");
    assert!(
        elf.len() < MAX_BOOTSTRAP_BYTES,
        "{function}: bootstrap is {} bytes, over the {MAX_BOOTSTRAP_BYTES} the README promises",
        elf.len()
    );
    let needed = newest_glibc_needed(&elf).expect("a dynamically linked glibc binary");
    assert!(
        needed <= NEWEST_GLIBC,
        "{function}: needs GLIBC_{}.{}, newer than provided.al2023's 2.34",
        needed.0,
        needed.1
    );
}

#[test]
fn the_ingest_zip_runs_on_provided_al2023() {
    check("ingest");
}

#[test]
fn the_retrieve_zip_runs_on_provided_al2023() {
    check("retrieve");
}

#[test]
fn the_authorizer_zip_runs_on_provided_al2023() {
    check("authorizer");
}

#[test]
fn glibc_versions_are_read_from_version_strings() {
    assert_eq!(
        newest_glibc_needed(b"xxGLIBC_2.17\0GLIBC_2.28\0GLIBC_2.3.4\0"),
        Some((2, 28))
    );
    assert_eq!(newest_glibc_needed(b"static"), None);
    assert!(newest_glibc_needed(b"GLIBC_2.35\0").unwrap() > NEWEST_GLIBC);
}
