//! Compiles `proto/` into `OUT_DIR` with the vendored protoc, so no system protoc is needed.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let include = protoc_bin_vendored::include_path()?;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files: Vec<PathBuf> = ["job", "scheduler", "tracker", "worker", "queue", "admin"]
        .iter()
        .map(|area| root.join(format!("specdoc/{area}/v1/{area}.proto")))
        .collect();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let descriptor = PathBuf::from(std::env::var("OUT_DIR")?).join("specdoc_descriptor.bin");
    tonic_prost_build::configure()
        .file_descriptor_set_path(&descriptor)
        .compile_with_config(config, &files, &[root, include])?;
    Ok(())
}
