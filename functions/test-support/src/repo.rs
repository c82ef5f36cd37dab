//! Paths inside the repository.

use std::path::PathBuf;

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The project's virtualenv, where `scripts/test.sh` installs moto and the
/// S3 Encryption Client. `S3_LATEST_VENV` overrides it.
pub fn venv() -> PathBuf {
    std::env::var_os("S3_LATEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"))
}

/// A program from the virtualenv, or a loud failure saying how to get it.
pub fn venv_program(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: these tests need the project's Python tools. Run `scripts/test.sh` (it creates .venv), \
         or set S3_LATEST_VENV to a virtualenv with `pip install -r tests/requirements.txt`.",
        path.display()
    );
    path
}

/// A built binary of the workspace (`cargo build` puts them in target/<profile>).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let path = target.join(profile).join(name);
    assert!(
        path.exists(),
        "{} is missing; run `cargo build --workspace` first",
        path.display()
    );
    path
}
